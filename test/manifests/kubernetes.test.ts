import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '../../src/config.ts';
import { loadPlans } from '../../src/plans/catalog.ts';
import { PROJECT_ROOT } from '../../src/runtime.ts';
import { parseAllDocuments } from 'yaml';
import { kustomizeBuild, listed, yamlFilesIn, type K8sObject } from '../support/kustomize.ts';

const K8S = join(PROJECT_ROOT, 'manifests/k8s');
/** Every kustomization under manifests/k8s, found rather than listed, so none escapes the checks below. */
const FOLDERS = readdirSync(K8S, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(K8S, entry.name, 'kustomization.yaml')))
  .map((entry) => entry.name)
  .sort();
/** Offline validators generated from the Kubernetes OpenAPI schemas, by apiVersion/kind. */
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/Ingress': Ingress,
};
/** Read by the worker for plans rather than by src/config.ts: a plan's prometheus.url defaults to ${env.PROMETHEUS_URL}. */
const PLAN_VARIABLES = ['PROMETHEUS_URL'];
/** The image's PLANS_DIR, as the Dockerfile sets it. */
const IMAGE_PLANS_DIR = /^ENV .*\bPLANS_DIR=(\S+)/m.exec(readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8'))?.[1];

const built = Object.fromEntries(FOLDERS.map((folder) => [folder, kustomizeBuild(join(K8S, folder))])) as Record<string, K8sObject[]>;
/** kustomize itself, when kubectl happens to be installed (not needed for npm test). */
const kubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const find = (objects: K8sObject[], kind: string, name: string) => objects.find((object) => object.kind === kind && object.metadata.name === name);
const deployment = (objects: K8sObject[], name: 'flightdeck-serve' | 'flightdeck-worker') => find(objects, 'Deployment', name)!;
const containerOf = (objects: K8sObject[], name: 'flightdeck-serve' | 'flightdeck-worker') => deployment(objects, name).spec.template.spec.containers[0];
const envOf = (container: any, name: string) => (container.env as any[]).find((entry) => entry.name === name);

describe('Kubernetes manifests (manifests/k8s, kustomize)', () => {
  it('has the base and its two variants, and nothing else of YAML beside them', () => {
    expect(FOLDERS).toEqual(['base', 'http', 'socket-mode']);
    expect(yamlFilesIn(K8S)).toEqual([]);
  });

  it.each(FOLDERS)('%s: every file its kustomization lists exists, and every resource file is listed', (folder) => {
    const dir = join(K8S, folder);
    for (const file of listed(dir)) expect(existsSync(resolve(dir, file)), `${folder}/kustomization.yaml lists ${file}`).toBe(true);
    expect(yamlFilesIn(dir).filter((file) => !listed(dir).includes(file))).toEqual([]);
    if (existsSync(join(dir, 'plans'))) expect(readdirSync(join(dir, 'plans')).filter((file) => !listed(dir).includes(`plans/${file}`))).toEqual([]);
  });

  it.each(FOLDERS)('%s: every object it renders is valid against the Kubernetes schemas', (folder) => {
    expect(built[folder]!.length).toBeGreaterThan(0);
    for (const object of built[folder]!) {
      const Model = MODELS[`${object.apiVersion}/${object.kind}`];
      expect(Model, `${object.apiVersion} ${object.kind} has a validator here`).toBeDefined();
      expect(() => new Model!(object).validate(), `${object.kind}/${object.metadata.name}`).not.toThrow();
    }
  });

  it.runIf(kubectl).each(FOLDERS)("%s: renders as kustomize's own build does (kubectl kustomize, when kubectl is installed)", (folder) => {
    const output = execFileSync('kubectl', ['kustomize', join(K8S, folder)], { encoding: 'utf8' }).replace(
      /flightdeck-plans-[a-z0-9]{10}\b/g,
      'flightdeck-plans',
    );
    const byName = (objects: K8sObject[]) => [...objects].sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));
    expect(byName(built[folder]!)).toEqual(byName(parseAllDocuments(output).map((document) => document.toJS() as K8sObject)));
  });

  it('the validation can fail: a wrong type and a missing field are refused', () => {
    const serve = structuredClone(deployment(built.base!, 'flightdeck-serve'));
    serve.spec.replicas = 'two';
    expect(() => new Deployment(serve).validate()).toThrow(/replicas/);
    const noSelector = structuredClone(deployment(built.base!, 'flightdeck-serve'));
    delete noSelector.spec.selector;
    expect(() => new Deployment(noSelector).validate()).toThrow(/selector/);
  });

  it('serve: 2 replicas behind a Service, probed on 3000; the worker probed on WORKER_PORT 3001', () => {
    const serve = deployment(built.base!, 'flightdeck-serve');
    expect(serve.spec.replicas).toBe(2);
    const probes = (container: any) => ({
      port: container.ports[0].containerPort,
      live: container.livenessProbe.httpGet.path,
      ready: container.readinessProbe.httpGet.path,
      named: [container.livenessProbe, container.readinessProbe, container.startupProbe].every((probe) => probe.httpGet.port === container.ports[0].name),
    });
    expect(probes(containerOf(built.base!, 'flightdeck-serve'))).toEqual({ port: 3000, live: '/health', ready: '/health/ready', named: true });
    expect(probes(containerOf(built.base!, 'flightdeck-worker'))).toEqual({ port: 3001, live: '/health', ready: '/health/ready', named: true });
    const service = find(built.base!, 'Service', 'flightdeck-serve')!;
    expect(serve.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    expect(service.spec.ports[0].targetPort).toBe(containerOf(built.base!, 'flightdeck-serve').ports[0].name);
    expect(containerOf(built.base!, 'flightdeck-serve').args).toEqual(['serve']);
    expect(containerOf(built.base!, 'flightdeck-worker').args).toEqual(['worker']);
  });

  it('every pod: non-root, read-only root with a writable /tmp, no privilege escalation, no capabilities, resources, a grace period, a PDB', () => {
    for (const name of ['flightdeck-serve', 'flightdeck-worker'] as const) {
      const pod = deployment(built.base!, name).spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: expect.any(Number), seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
      for (const container of pod.containers) {
        expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
        const tmp = container.volumeMounts.find((mount: any) => mount.mountPath === '/tmp');
        expect(pod.volumes.find((volume: any) => volume.name === tmp?.name)?.emptyDir).toBeDefined();
        expect(container.resources).toMatchObject({
          requests: { cpu: expect.any(String), memory: expect.any(String) },
          limits: { memory: expect.any(String) },
        });
        expect(container.image).toMatch(/^[\w.-]+(\/[\w.-]+)*:[\w.-]+$/);
      }
      const podLabels = deployment(built.base!, name).spec.template.metadata.labels as Record<string, string>;
      const budget = built.base!.find(
        (object) => object.kind === 'PodDisruptionBudget' && Object.entries(object.spec.selector.matchLabels).every(([key, value]) => podLabels[key] === value),
      );
      expect(budget, `a PodDisruptionBudget for ${name}`).toBeDefined();
      expect(budget!.spec.minAvailable).toBeLessThan(deployment(built.base!, name).spec.replicas);
    }
  });

  it("plans come from a ConfigMap mounted at the image's PLANS_DIR, and the example plan in it is valid", async () => {
    expect(IMAGE_PLANS_DIR).toBe('/etc/flightdeck/plans');
    for (const name of ['flightdeck-serve', 'flightdeck-worker'] as const) {
      const pod = deployment(built.base!, name).spec.template.spec;
      const container = pod.containers[0];
      const mount = container.volumeMounts.find((entry: any) => entry.mountPath === IMAGE_PLANS_DIR);
      expect(mount).toMatchObject({ readOnly: true });
      const volume = pod.volumes.find((entry: any) => entry.name === mount.name);
      expect(find(built.base!, 'ConfigMap', volume.configMap.name)).toBeDefined();
      expect(envOf(container, 'PLANS_DIR')?.value ?? IMAGE_PLANS_DIR).toBe(IMAGE_PLANS_DIR);
    }
    const plans = find(built.base!, 'ConfigMap', 'flightdeck-plans')!;
    const dir = mkdtempSync(join(tmpdir(), 'flightdeck-k8s-plans-'));
    for (const [file, text] of Object.entries(plans.data as Record<string, string>)) writeFileSync(join(dir, file), text);
    expect((await loadPlans(dir)).services()).toEqual(['catalog']);
    // The example is plans/examples/kubernetes.yaml, kept the same (kustomize may not read files outside its folder).
    expect(plans.data['catalog.yaml']).toBe(readFileSync(join(PROJECT_ROOT, 'plans/examples/kubernetes.yaml'), 'utf8'));
  });

  it("sets only variables Flightdeck reads, and takes every secret by reference from the operator's Secret", () => {
    const known = new Set([...CONFIG_VARIABLES, ...PLAN_VARIABLES]);
    expect(readFileSync(join(PROJECT_ROOT, 'src/domain/plan.ts'), 'utf8')).toContain('${env.PROMETHEUS_URL}');
    for (const folder of FOLDERS) {
      expect(built[folder]!.filter((object) => object.kind === 'Secret')).toEqual([]);
      for (const name of ['flightdeck-serve', 'flightdeck-worker'] as const) {
        for (const entry of containerOf(built[folder]!, name).env) {
          expect(known, `${folder} ${name} sets ${entry.name}`).toContain(entry.name);
          if (/SECRET|TOKEN|PASSWORD|_URL$/.test(entry.name) && entry.name !== 'SLACK_API_URL') {
            expect(entry.value, `${entry.name} is not written into the manifest`).toBeUndefined();
            expect(entry.valueFrom.secretKeyRef).toMatchObject({ name: 'flightdeck', key: entry.name });
          }
        }
      }
    }
  });

  it('Socket Mode: no Ingress, and SLACK_APP_TOKEN is required; HTTP: an Ingress for /slack/events and /api/messages, and SLACK_SIGNING_SECRET is required', () => {
    const required = (objects: K8sObject[], variable: string) =>
      (['flightdeck-serve', 'flightdeck-worker'] as const).map((name) => envOf(containerOf(objects, name), variable).valueFrom.secretKeyRef.optional !== true);
    expect(built['socket-mode']!.filter((object) => object.kind === 'Ingress')).toEqual([]);
    expect(required(built['socket-mode']!, 'SLACK_APP_TOKEN')).toEqual([true, true]);
    expect(required(built['socket-mode']!, 'SLACK_SIGNING_SECRET')).toEqual([false, false]);
    expect(required(built.http!, 'SLACK_SIGNING_SECRET')).toEqual([true, true]);
    expect(required(built.http!, 'SLACK_APP_TOKEN')).toEqual([false, false]);
    // The base itself requires neither: the overlay says how Slack reaches Flightdeck.
    expect(required(built.base!, 'SLACK_APP_TOKEN')).toEqual([false, false]);
    expect(required(built.base!, 'SLACK_SIGNING_SECRET')).toEqual([false, false]);

    const ingress = find(built.http!, 'Ingress', 'flightdeck')!;
    const paths = ingress.spec.rules.flatMap((rule: any) => rule.http.paths);
    expect(paths.map((path: any) => path.path).sort()).toEqual(['/api/messages', '/slack/events']);
    const service = find(built.http!, 'Service', 'flightdeck-serve')!;
    for (const path of paths) expect(path.backend.service).toEqual({ name: service.metadata.name, port: { name: service.spec.ports[0].name } });
  });
});
