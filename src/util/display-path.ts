/** Shows a path relative to the working directory when it is inside it, absolute otherwise. */
export function displayPath(file: string, cwd: string): string {
  return file.startsWith(`${cwd}/`) ? file.slice(cwd.length + 1) : file;
}
