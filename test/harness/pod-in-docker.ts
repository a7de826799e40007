/**
 * A rendered Job's (or CronJob's) pod run with Docker as a kubelet would run
 * it, so a test exercises exactly what the manifest says: the container's
 * command and args over the image's entrypoint, $(VAR) references expanded,
 * env and envFrom resolved from the rendered ConfigMaps and Secrets, volumes
 * (emptyDir: a fresh directory, mode 0777; secret and configMap: their keys
 * as files in the kubelet's layout, `..data` symlinks, the volume's mode,
 * group fsGroup), the pod's and the container's securityContext (user, group,
 * fsGroup, read-only root, dropped capabilities, no privilege escalation,
 * runAsNonRoot checked against the image's user) and the memory limit.
 * The container shares this machine's network, so servers the harness starts
 * on 127.0.0.1 are reachable.
 *
 * Two things come from the test rather than the manifest, and say so:
 * `identityEnv`, what the cloud's workload-identity webhook would inject
 * (S3 credentials for the loopback S3 server), and `imageFiles`, host
 * directories bind-mounted where the user's image (FROM dbrollback) copies
 * its migrations.
 */
import { execa } from 'execa';
import { chmod, chown, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { K8sObject } from './kubernetes.js';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean }; configMapKeyRef?: { name: string; key: string; optional?: boolean } };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: EnvVar[];
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string }; prefix?: string }>;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean; subPath?: string }>;
  securityContext?: { runAsUser?: number; runAsGroup?: number; runAsNonRoot?: boolean; readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[]; add?: string[] } };
  resources?: { limits?: { memory?: string; cpu?: string } };
}
interface Volume {
  name: string;
  emptyDir?: Record<string, unknown>;
  secret?: { secretName: string; defaultMode?: number; items?: Array<{ key: string; path: string; mode?: number }>; optional?: boolean };
  configMap?: { name: string; defaultMode?: number; items?: Array<{ key: string; path: string; mode?: number }>; optional?: boolean };
}
export interface PodSpec {
  restartPolicy?: string;
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: { runAsUser?: number; runAsGroup?: number; runAsNonRoot?: boolean; fsGroup?: number; seccompProfile?: { type: string } };
  containers: Container[];
  volumes?: Volume[];
}

/** The pod template of a Job or a CronJob. */
export function jobPod(o: K8sObject): PodSpec {
  const spec = o.spec as { template?: { spec: PodSpec }; jobTemplate?: { spec: { template: { spec: PodSpec } } } };
  const pod = o.kind === 'CronJob' ? spec.jobTemplate?.spec.template.spec : spec.template?.spec;
  if (!pod) throw new Error(`${o.kind}/${o.metadata.name} has no pod template`);
  return pod;
}

/** The exit codes a Job's podFailurePolicy fails the Job on at once (FailJob), for its container. */
export function failJobExitCodes(o: K8sObject): number[] {
  const spec = (o.kind === 'CronJob' ? (o.spec as { jobTemplate: { spec: unknown } }).jobTemplate.spec : o.spec) as {
    podFailurePolicy?: { rules: Array<{ action: string; onExitCodes?: { operator: string; values: number[] } }> };
  };
  return (spec.podFailurePolicy?.rules ?? []).filter((r) => r.action === 'FailJob' && r.onExitCodes?.operator === 'In').flatMap((r) => r.onExitCodes!.values);
}

export interface PodRunOptions {
  /** The image to run in place of the manifest's (the one scripts/build-image.sh built). */
  image: string;
  /** Every rendered object: ConfigMaps and Secrets are looked up here. */
  objects: K8sObject[];
  /** What the cloud's workload identity would inject into the container. */
  identityEnv?: Record<string, string>;
  /** mountPath → host directory: what the user's image adds (its migrations), bind-mounted read-only. */
  imageFiles?: Record<string, string>;
  timeoutMs?: number;
}

export interface PodRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Host directory behind each emptyDir volume, by volume name (read them after the run). */
  emptyDirs: Record<string, string>;
  /** The docker command line (no secret values: env values travel in the environment). */
  argv: string[];
  cleanup(): Promise<void>;
}

function lookup(objects: K8sObject[], kind: 'ConfigMap' | 'Secret', name: string): Record<string, string> | undefined {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) return undefined;
  if (kind === 'Secret') {
    const data = Object.fromEntries(Object.entries((o.data as Record<string, string>) ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    return { ...data, ...((o.stringData as Record<string, string>) ?? {}) };
  }
  return (o.data as Record<string, string>) ?? {};
}

/** Kubernetes' $(VAR) expansion: a defined variable is replaced, $$ is a literal $, anything else stays as written. */
export function expandRefs(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name: string | undefined) => (name === undefined ? '$' : (env[name] ?? whole)));
}

/** A Kubernetes memory quantity in bytes (the forms manifests use). */
function memoryBytes(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(q);
  if (!m) throw new Error(`memory quantity ${q} is not one this harness reads`);
  const unit = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2] ?? ''] ?? 1;
  return Math.round(Number(m[1]) * unit);
}

/** Files of a secret/configMap volume as the kubelet lays them out: `..<ts>/key`, `..data` → it, `key` → `..data/key`. */
async function projectVolume(dir: string, data: Record<string, string>, items: Array<{ key: string; path: string; mode?: number }> | undefined, defaultMode: number, gid: number | undefined): Promise<void> {
  const stamp = `..${new Date().toISOString().replace(/[-:.]/g, '_')}`;
  await mkdir(path.join(dir, stamp));
  const chosen: Array<{ key: string; path: string; mode?: number }> = items ?? Object.keys(data).map((key) => ({ key, path: key }));
  for (const item of chosen) {
    if (!(item.key in data)) throw new Error(`key ${item.key} is not in the volume's source (the kubelet would not start the pod)`);
    const file = path.join(dir, stamp, item.path);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, data[item.key]!);
    await chmod(file, item.mode ?? defaultMode);
    if (gid !== undefined) await chown(file, 0, gid);
  }
  await symlink(stamp, path.join(dir, '..data'));
  for (const top of new Set(chosen.map((i) => i.path.split('/')[0]!))) await symlink(path.join('..data', top), path.join(dir, top));
  await chmod(dir, 0o755);
}

/** What the image runs as (its USER), to check runAsNonRoot as the kubelet does. */
async function imageUser(image: string): Promise<string> {
  const { stdout } = await execa('docker', ['image', 'inspect', '--format', '{{.Config.User}}', image]);
  return stdout.trim();
}

export async function runPod(o: K8sObject, options: PodRunOptions): Promise<PodRun> {
  const pod = jobPod(o);
  if (pod.containers.length !== 1) throw new Error(`${o.kind}/${o.metadata.name}: this harness runs pods of one container`);
  const c = pod.containers[0]!;
  const base = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-pod-'));
  await chmod(base, 0o755);
  const cleanup = () => rm(base, { recursive: true, force: true });
  try {
    const psc = pod.securityContext ?? {};
    const csc = c.securityContext ?? {};
    const uid = csc.runAsUser ?? psc.runAsUser;
    const gid = csc.runAsGroup ?? psc.runAsGroup;
    if (csc.runAsNonRoot ?? psc.runAsNonRoot) {
      const effective = uid !== undefined ? String(uid) : (await imageUser(options.image)).split(':')[0]!;
      if (!/^\d+$/.test(effective) || effective === '0') throw new Error(`runAsNonRoot: the kubelet would refuse to start ${o.metadata.name} (user "${effective}" is not a non-zero numeric uid)`);
    }

    // The environment, in the kubelet's order: envFrom, then env (which may refer to earlier variables).
    const env: Record<string, string> = {};
    for (const from of c.envFrom ?? []) {
      const source = from.configMapRef ? lookup(options.objects, 'ConfigMap', from.configMapRef.name) : lookup(options.objects, 'Secret', from.secretRef!.name);
      if (!source) throw new Error(`envFrom ${JSON.stringify(from)}: not among the rendered objects`);
      for (const [k, v] of Object.entries(source)) env[`${from.prefix ?? ''}${k}`] = v;
    }
    for (const e of c.env ?? []) {
      if (e.value !== undefined) env[e.name] = expandRefs(e.value, env);
      else if (e.valueFrom?.secretKeyRef || e.valueFrom?.configMapKeyRef) {
        const ref = (e.valueFrom.secretKeyRef ?? e.valueFrom.configMapKeyRef)!;
        const value = lookup(options.objects, e.valueFrom.secretKeyRef ? 'Secret' : 'ConfigMap', ref.name)?.[ref.key];
        if (value === undefined && !ref.optional) throw new Error(`env ${e.name}: ${ref.name}/${ref.key} is not among the rendered objects (the pod would not start)`);
        if (value !== undefined) env[e.name] = value;
      } else throw new Error(`env ${e.name}: a source this harness does not emulate`);
    }
    Object.assign(env, options.identityEnv ?? {});

    const container = `dbrollback-pod-${o.metadata.name}-${process.pid}-${Date.now()}`;
    const argv = ['run', '--rm', '--network', 'host', '--name', container];
    if (uid !== undefined) argv.push('--user', `${uid}${gid !== undefined ? `:${gid}` : ''}`);
    if (psc.fsGroup !== undefined) argv.push('--group-add', String(psc.fsGroup));
    if (csc.readOnlyRootFilesystem) argv.push('--read-only');
    for (const cap of csc.capabilities?.drop ?? []) argv.push('--cap-drop', cap);
    for (const cap of csc.capabilities?.add ?? []) argv.push('--cap-add', cap);
    if (csc.allowPrivilegeEscalation === false) argv.push('--security-opt', 'no-new-privileges');
    if (c.resources?.limits?.memory) argv.push('--memory', String(memoryBytes(c.resources.limits.memory)));
    // Values stay out of argv: `-e NAME` takes the value from docker's own environment.
    for (const name of Object.keys(env)) argv.push('-e', name);

    const emptyDirs: Record<string, string> = {};
    const volumeDirs: Record<string, string> = {};
    for (const v of pod.volumes ?? []) {
      const dir = path.join(base, 'volumes', v.name);
      await mkdir(dir, { recursive: true });
      if (v.emptyDir) {
        await chmod(dir, 0o777);
        emptyDirs[v.name] = dir;
      } else if (v.secret || v.configMap) {
        const name = v.secret ? v.secret.secretName : v.configMap!.name;
        const data = lookup(options.objects, v.secret ? 'Secret' : 'ConfigMap', name);
        if (!data) throw new Error(`volume ${v.name}: ${name} is not among the rendered objects (the pod would not start)`);
        await projectVolume(dir, data, (v.secret ?? v.configMap)!.items, (v.secret ?? v.configMap)!.defaultMode ?? 0o644, psc.fsGroup);
      } else throw new Error(`volume ${v.name}: a kind this harness does not emulate`);
      volumeDirs[v.name] = dir;
    }
    for (const m of c.volumeMounts ?? []) {
      const dir = volumeDirs[m.name];
      if (!dir) throw new Error(`volumeMount ${m.name}: no such volume`);
      if (m.subPath) throw new Error('subPath mounts are not emulated');
      argv.push('--mount', `type=bind,source=${dir},target=${m.mountPath}${m.readOnly ? ',readonly' : ''}`);
    }
    for (const [target, source] of Object.entries(options.imageFiles ?? {})) argv.push('--mount', `type=bind,source=${source},target=${target},readonly`);
    if (c.workingDir) argv.push('-w', c.workingDir);

    // command replaces the image's ENTRYPOINT, args its CMD (and with command alone, CMD is dropped).
    const args = (c.args ?? []).map((a) => expandRefs(a, env));
    const command = c.command?.map((a) => expandRefs(a, env));
    if (command) argv.push('--entrypoint', command[0]!, options.image, ...command.slice(1), ...args);
    else argv.push(options.image, ...args);

    const result = await execa('docker', argv, { env: { ...process.env, ...env }, reject: false, timeout: options.timeoutMs ?? 300_000 });
    // A run that timed out stopped the docker client, not the container (a Job's activeDeadlineSeconds would).
    if (result.timedOut) await execa('docker', ['rm', '-f', container], { reject: false });
    return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr), emptyDirs, argv, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
