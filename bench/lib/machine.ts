import { cpus, totalmem, platform, release, arch } from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  cpuCount: number;
  totalMemoryGiB: number;
  node: string;
  os: string;
}

export function machineInfo(): MachineInfo {
  const cores = cpus();
  return {
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    cpuCount: cores.length,
    totalMemoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${platform()} ${release()} ${arch()}`,
  };
}

export function formatMachine(info: MachineInfo): string {
  return `${info.cpuModel} × ${info.cpuCount} | ${info.totalMemoryGiB} GiB RAM | node ${info.node} | ${info.os}`;
}
