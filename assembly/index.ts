// Placeholder until the kernel lands: keeps the build green.
export function abiVersion(): i32 {
  return 0;
}
