/**
 * deploy/kubernetes renders, with kustomize, into objects Kubernetes accepts:
 * every kustomization (the base and each overlay) rendered and every object
 * validated against the Kubernetes schemas (OpenAPI, and strict fields); the
 * hooks each overlay promises are on the right objects; the pods run as the
 * image's non-root user with nothing secret in the manifests.
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../harness/cli.js';
import { DEPLOY_DIR, describeObject, kustomizeGate, openApiProblems, render, RENDERED_OBJECTS, strictFieldProblems, type K8sObject } from '../../harness/kubernetes.js';
import { jobPod, type PodSpec } from '../../harness/pod-in-docker.js';

const gate = await kustomizeGate();
const { version } = JSON.parse(await readFile(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };

/** Every directory under deploy/kubernetes holding a kustomization.yaml. */
async function kustomizations(dir = DEPLOY_DIR): Promise<string[]> {
  const found: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  if (entries.some((e) => e.isFile() && e.name === 'kustomization.yaml')) found.push(path.relative(DEPLOY_DIR, dir));
  for (const e of entries) if (e.isDirectory()) found.push(...(await kustomizations(path.join(dir, e.name))));
  return found.sort();
}

const KUSTOMIZATIONS = await kustomizations();
const rendered = new Map<string, K8sObject[]>();
/** The README's overlay, rendered on top of a copy of deploy/kubernetes. */
let readmeObjects: K8sObject[];
/** Strict field problems of every rendering (one compiler run), and of a migrate Job with a misspelt field. */
let strict: Record<string, string[]>;

describe.skipIf(!gate.command && !gate.mustRun)('deploy/kubernetes manifests', () => {
  beforeAll(async () => {
    if (!gate.command) throw new Error('kustomize is needed for these tests: run scripts/install-kustomize.sh (or set DBROLLBACK_KUSTOMIZE)');
    for (const k of KUSTOMIZATIONS) rendered.set(k, await render(gate.command, path.join(DEPLOY_DIR, k)));
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-overlay-'));
    try {
      await cp(DEPLOY_DIR, path.join(dir, 'dbrollback'), { recursive: true });
      await mkdir(path.join(dir, 'shop'));
      await writeFile(path.join(dir, 'shop', 'kustomization.yaml'), await readmeOverlay());
      readmeObjects = await render(gate.command, path.join(dir, 'shop'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const misspelt = structuredClone(rendered.get('base')!.find((o) => o.metadata.name === 'dbrollback-migrate')!);
    (misspelt.spec as { template: { spec: Record<string, unknown> } }).template.spec.restartPolcy = 'Never';
    strict = strictFieldProblems({ ...Object.fromEntries(rendered), readme: readmeObjects, misspelt: [misspelt] });
  });

  it('has the base and the argocd and helm-hooks overlays', () => {
    expect(KUSTOMIZATIONS).toEqual(['base', 'overlays/argocd', 'overlays/helm-hooks']);
  });

  it.each(KUSTOMIZATIONS)('%s: every rendered object validates against the Kubernetes OpenAPI schema and has no field the API server would reject', async (k) => {
    const objects = rendered.get(k)!;
    expect(objects.map(describeObject).sort()).toEqual(RENDERED_OBJECTS);
    expect(await openApiProblems(objects)).toEqual([]);
    expect(strict[k]).toEqual([]);
  });

  it('the validation catches what the API server would refuse: a misspelt field, a wrong type, a bad enum value, a missing required field', async () => {
    const objects = rendered.get('base')!;
    expect(strict.misspelt!.join('\n')).toMatch(/Job\/dbrollback-migrate: .*restartPolcy.* does not exist in type 'PodSpec'/);

    const wrong = structuredClone(objects.find((o) => o.metadata.name === 'dbrollback-verify')!);
    const spec = wrong.spec as { backoffLimit: unknown; template: { spec: { restartPolicy: string; containers: Array<Record<string, unknown>> } } };
    spec.backoffLimit = 'one';
    spec.template.spec.restartPolicy = 'Sometimes';
    delete spec.template.spec.containers[0]!.name;
    const problems = (await openApiProblems([wrong])).join('\n');
    expect(problems).toMatch(/backoffLimit must be integer/);
    expect(problems).toMatch(/restartPolicy must be equal to one of the allowed values/);
    expect(problems).toMatch(/must have required property name/);
  });

  it('every pod runs as the non-root user of the image, read-only, with no privilege, the dbrollback image of this version, and no token for the Kubernetes API', () => {
    for (const k of KUSTOMIZATIONS) {
      for (const o of rendered.get(k)!.filter((x) => x.kind === 'Job' || x.kind === 'CronJob')) {
        const pod: PodSpec = jobPod(o);
        const where = `${k} ${describeObject(o)}`;
        expect(pod.securityContext, where).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } });
        expect(pod.automountServiceAccountToken, where).toBe(false);
        expect(pod.serviceAccountName, where).toBe('dbrollback');
        expect(pod.restartPolicy, where).toBe('Never');
        expect(pod.containers, where).toHaveLength(1);
        const c = pod.containers[0]!;
        expect(c.image, where).toBe(`dbrollback:${version}`);
        expect(c.securityContext, where).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
        // Nothing secret in the manifests: the database URL and the key come from the Secret.
        for (const e of c.env ?? []) {
          if (e.name === 'DATABASE_URL') expect(e.valueFrom?.secretKeyRef, where).toEqual({ name: 'dbrollback', key: 'database-url' });
          expect(e.name, where).not.toMatch(/PASSWORD|SECRET|ENCRYPTION_KEY$|PASSPHRASE/);
        }
        const keyVolume = pod.volumes?.find((v) => v.name === 'encryption-key');
        if (keyVolume) expect(keyVolume.secret, where).toEqual({ secretName: 'dbrollback', defaultMode: 0o440, items: [{ key: 'encryption-key', path: 'encryption-key' }] });
      }
    }
  });

  it('only the jobs that need it get the encryption key (not verify, which reads only the database)', () => {
    const env = (name: string) => {
      const o = rendered.get('base')!.find((x) => x.metadata.name === name)!;
      return (jobPod(o).containers[0]!.env ?? []).map((e) => e.name).sort();
    };
    expect(env('dbrollback-migrate')).toEqual(['DATABASE_URL', 'DBROLLBACK_ENCRYPTION_KEY_FILE']);
    expect(env('dbrollback-base-backup')).toEqual(['DATABASE_URL', 'DBROLLBACK_ENCRYPTION_KEY_FILE']);
    expect(env('dbrollback-verify')).toEqual(['DATABASE_URL']);
    // The drill never connects to the database; its URL's role enters the recovered copy.
    expect(env('dbrollback-drill')).toEqual(['DATABASE_URL', 'DBROLLBACK_ENCRYPTION_KEY_FILE']);
  });

  it('argocd: migrate is a PreSync hook and verify a PostSync hook, both replaced at the next sync; what migrate needs is a PreSync hook one wave earlier', () => {
    const byName = new Map(rendered.get('overlays/argocd')!.map((o) => [describeObject(o), o.metadata.annotations ?? {}]));
    expect(byName.get('Job/dbrollback-migrate')).toEqual({ 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation', 'argocd.argoproj.io/sync-wave': '0' });
    expect(byName.get('Job/dbrollback-verify')).toEqual({ 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation', 'argocd.argoproj.io/sync-wave': '0' });
    for (const dep of ['ServiceAccount/dbrollback', 'ConfigMap/dbrollback-settings']) {
      expect(byName.get(dep), dep).toEqual({ 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation', 'argocd.argoproj.io/sync-wave': '-1' });
    }
    // The CronJobs are ordinary resources of the application.
    expect(byName.get('CronJob/dbrollback-base-backup')).toEqual({});
    expect(byName.get('CronJob/dbrollback-drill')).toEqual({});
  });

  it('helm-hooks: migrate is a pre-install/pre-upgrade hook and verify a post-install/post-upgrade hook; what migrate needs is a hook with a lower weight', () => {
    const byName = new Map(rendered.get('overlays/helm-hooks')!.map((o) => [describeObject(o), o.metadata.annotations ?? {}]));
    expect(byName.get('Job/dbrollback-migrate')).toEqual({ 'helm.sh/hook': 'pre-install,pre-upgrade', 'helm.sh/hook-weight': '0', 'helm.sh/hook-delete-policy': 'before-hook-creation' });
    expect(byName.get('Job/dbrollback-verify')).toEqual({ 'helm.sh/hook': 'post-install,post-upgrade', 'helm.sh/hook-weight': '0', 'helm.sh/hook-delete-policy': 'before-hook-creation' });
    for (const dep of ['ServiceAccount/dbrollback', 'ConfigMap/dbrollback-settings']) {
      expect(byName.get(dep), dep).toEqual({ 'helm.sh/hook': 'pre-install,pre-upgrade', 'helm.sh/hook-weight': '-10', 'helm.sh/hook-delete-policy': 'before-hook-creation' });
    }
  });

  it('the overlays change only annotations: the jobs they run are the base jobs, so running those covers every overlay', () => {
    const strip = (objects: K8sObject[]) => objects.map((o) => ({ ...o, metadata: { ...o.metadata, annotations: undefined } }));
    for (const k of ['overlays/argocd', 'overlays/helm-hooks']) expect(strip(rendered.get(k)!), k).toEqual(strip(rendered.get('base')!));
  });

  it("the README's own overlay (image, storage, workload identity) renders on top of argocd and validates", async () => {
    expect(await openApiProblems(readmeObjects)).toEqual([]);
    expect(strict.readme).toEqual([]);
    const settings = readmeObjects.find((o) => describeObject(o) === 'ConfigMap/dbrollback-settings')!;
    expect((settings.data as Record<string, string>).DBROLLBACK_STORAGE).toBe('s3://shop-backups/prod?region=eu-west-1');
    expect((settings.data as Record<string, string>).DBROLLBACK_MIGRATIONS).toBe('/app/migrations');
    const migrate = readmeObjects.find((o) => describeObject(o) === 'Job/dbrollback-migrate')!;
    expect(jobPod(migrate).containers[0]!.image).toBe('registry.example.com/shop-dbrollback:1.4.2');
    const sa = readmeObjects.find((o) => describeObject(o) === 'ServiceAccount/dbrollback')!;
    expect(sa.metadata.annotations?.['eks.amazonaws.com/role-arn']).toBe('arn:aws:iam::123456789012:role/shop-dbrollback');
    expect(sa.metadata.annotations?.['argocd.argoproj.io/hook']).toBe('PreSync');
  });
});

/** The overlay the README's "Kubernetes and Argo CD" section shows (the yaml block that sets shop-dbrollback's image). */
async function readmeOverlay(): Promise<string> {
  const readme = await readFile(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes('newName: registry.example.com/shop-dbrollback'));
  if (!block) throw new Error('README.md has no yaml block with the example overlay (newName: registry.example.com/shop-dbrollback)');
  return block;
}
