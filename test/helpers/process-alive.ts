/** True while a process with `pid` exists (signal 0 only checks). For orphan checks in tests. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
