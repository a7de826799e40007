/**
 * deploy/kubernetes as Kubernetes sees it: an overlay rendered by kustomize
 * (Debian's package: scripts/install-kustomize.sh), parsed as kubectl parses
 * YAML (1.1: `defaultMode: 0440` is octal), and every object checked against
 * Kubernetes' own schemas two ways:
 *   - kubernetes-models: validators generated from the Kubernetes OpenAPI
 *     schema (types, required fields, enums, formats such as quantities);
 *   - kubernetes-types, through the TypeScript compiler: the OpenAPI schema
 *     leaves unknown fields open, the API server's strict field validation
 *     (and kubeconform -strict) does not; a typo such as `restartPolcy` is an
 *     excess property of the generated type.
 */
import { execa } from 'execa';
import { access } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { PROJECT_ROOT } from './cli.js';

export const DEPLOY_DIR = path.join(PROJECT_ROOT, 'deploy', 'kubernetes');
/** What every kustomization of deploy/kubernetes renders, as kind/name (the Secret is the user's). */
export const RENDERED_OBJECTS = ['ConfigMap/dbrollback-settings', 'CronJob/dbrollback-base-backup', 'CronJob/dbrollback-drill', 'Job/dbrollback-migrate', 'Job/dbrollback-verify', 'ServiceAccount/dbrollback'];

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  [field: string]: unknown;
}

const DEBIAN_KUSTOMIZE = path.join(process.env.DBROLLBACK_IMAGE_CACHE ?? '/var/cache/dbrollback', 'kustomize', 'usr', 'bin', 'kustomize');

/** The kustomize command: $DBROLLBACK_KUSTOMIZE, the one scripts/install-kustomize.sh unpacked, kustomize on PATH, or kubectl's. */
export async function findKustomize(): Promise<string[] | null> {
  const candidates: string[][] = [];
  if (process.env.DBROLLBACK_KUSTOMIZE) candidates.push([process.env.DBROLLBACK_KUSTOMIZE, 'build']);
  candidates.push([DEBIAN_KUSTOMIZE, 'build'], ['kustomize', 'build'], ['kubectl', 'kustomize']);
  for (const command of candidates) {
    if (path.isAbsolute(command[0]!) && !(await access(command[0]!).then(() => true, () => false))) continue;
    const probe = await execa(command[0]!, [...command.slice(1), '--help'], { reject: false, timeout: 10_000 });
    if (probe.exitCode === 0) return command;
  }
  return null;
}

/** Whether the kustomize tests can run; in CI a missing kustomize fails them instead of skipping. */
export async function kustomizeGate(): Promise<{ command: string[] | null; mustRun: boolean }> {
  const command = await findKustomize();
  const mustRun = process.env.CI === 'true';
  if (!command && !mustRun) {
    console.warn('\n*** SKIPPING the Kubernetes manifest tests: no kustomize (run scripts/install-kustomize.sh, or set DBROLLBACK_KUSTOMIZE) ***\n');
  }
  return { command, mustRun };
}

export async function render(kustomize: string[], dir: string): Promise<K8sObject[]> {
  const { stdout } = await execa(kustomize[0]!, [...kustomize.slice(1), dir], { timeout: 60_000 });
  return parseManifests(stdout);
}

/** YAML as kubectl reads it (YAML 1.1), every document an object. */
export function parseManifests(text: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text, { version: '1.1' })) {
    if (doc.errors.length > 0) throw new Error(`unreadable YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS() as K8sObject | null;
    if (value !== null) objects.push(value);
  }
  return objects;
}

export const describeObject = (o: K8sObject): string => `${o.kind}/${o.metadata?.name ?? '(no name)'}`;

/** `batch/v1` → `batch/v1`, `v1` → `v1` (core), `rbac.authorization.k8s.io/v1` → as is: kubernetes-models' module paths. */
function modelModule(apiVersion: string): string {
  return `kubernetes-models/${apiVersion}`;
}

/** Problems with each object under the OpenAPI schema (kubernetes-models), by object. */
export async function openApiProblems(objects: K8sObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const o of objects) {
    let model: (new (data: unknown) => { validate(): void }) | undefined;
    try {
      const mod = (await import(modelModule(o.apiVersion))) as Record<string, new (data: unknown) => { validate(): void }>;
      model = mod[o.kind];
    } catch {
      model = undefined;
    }
    if (!model) {
      problems.push(`${describeObject(o)}: no Kubernetes schema for ${o.apiVersion} ${o.kind}`);
      continue;
    }
    try {
      new model(o).validate();
    } catch (err) {
      problems.push(`${describeObject(o)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return problems;
}

/** kubernetes-types' module and type for an object: `batch/v1` Job → ('kubernetes-types/batch/v1', 'Job'); core `v1` → 'core/v1'. */
function typeModule(apiVersion: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['core', apiVersion];
  return `kubernetes-types/${group!.replace(/\.k8s\.io$/, '')}/${version}`;
}

/**
 * Fields the API server would reject as unknown (and wrong types, missing required fields), found by
 * type-checking every object as a literal of its kubernetes-types type. One compiler run for all the
 * groups given (it is the slow part); the problems come back by group.
 */
export function strictFieldProblems<G extends string>(groups: Record<G, K8sObject[]>): Record<G, string[]> {
  const file = path.join(PROJECT_ROOT, 'test', '__rendered-manifests__.ts');
  const imports: string[] = [];
  const body: string[] = [];
  const owners: Array<{ group: G; name: string }> = [];
  const types = new Map<string, string>();
  for (const [group, objects] of Object.entries(groups) as Array<[G, K8sObject[]]>) {
    for (const o of objects) {
      const key = `${typeModule(o.apiVersion)}#${o.kind}`;
      if (!types.has(key)) {
        types.set(key, `T${types.size}`);
        imports.push(`import type { ${o.kind} as ${types.get(key)} } from '${typeModule(o.apiVersion)}';`);
      }
      body.push(`export const o${owners.length}: ${types.get(key)} = ${JSON.stringify(o)};`);
      owners.push({ group, name: describeObject(o) });
    }
  }
  const source = [...imports, ...body].join('\n');
  const options: ts.CompilerOptions = { strict: true, noEmit: true, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, target: ts.ScriptTarget.ES2022, types: [] };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => (path.resolve(f) === file ? source : readFile(f));
  host.fileExists = (f) => path.resolve(f) === file || fileExists(f);
  host.getSourceFile = (f, v, onError, create) => (path.resolve(f) === file ? ts.createSourceFile(f, source, v) : getSourceFile(f, v, onError, create));
  const program = ts.createProgram([file], options, host);
  const result = Object.fromEntries(Object.keys(groups).map((g) => [g, [] as string[]])) as Record<G, string[]>;
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const line = d.file && path.resolve(d.file.fileName) === file ? d.file.getLineAndCharacterOfPosition(d.start ?? 0).line : -1;
    const owner = owners[line - imports.length];
    if (owner) result[owner.group].push(`${owner.name}: ${message}`);
    // A missing type module or any other error outside the objects fails every group: nothing was checked.
    else for (const g of Object.keys(result) as G[]) result[g].push(`manifest check: ${message}`);
  }
  return result;
}
