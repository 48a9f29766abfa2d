import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

/** A Kubernetes object as YAML gives it. */
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; [key: string]: unknown }; [key: string]: any };

interface Kustomization {
  resources?: string[];
  configMapGenerator?: { name: string; files: string[] }[];
  patches?: { target: { kind: string; name: string }; patch?: string; path?: string }[];
  images?: { name: string; newName?: string; newTag?: string }[];
  /** Added to every object's own labels (kustomize's default: not to selectors or pod templates). */
  labels?: { pairs: Record<string, string> }[];
}

type Operation = { op: 'test' | 'replace' | 'add' | 'remove'; path: string; value?: unknown };

export function readKustomization(dir: string): Kustomization {
  return parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
}

/** The files and folders a kustomization names, relative to its folder: resources, generator files, patch files. */
export function listed(dir: string): string[] {
  const k = readKustomization(dir);
  return [
    ...(k.resources ?? []),
    ...(k.configMapGenerator ?? []).flatMap((generator) => generator.files),
    ...(k.patches ?? []).flatMap((p) => (p.path ? [p.path] : [])),
  ];
}

/**
 * What `kustomize build dir` renders, for the subset of kustomize these manifests use: resources (files and
 * folders), configMapGenerator (without the name hash kustomize adds, which it also writes into references),
 * inline JSON 6902 patches (test, replace, add, remove) and images. Offline and dependency-free, so `npm test`
 * checks the objects each variant really applies; anything else a kustomization says fails here loudly.
 */
export function kustomizeBuild(dir: string): K8sObject[] {
  const k = readKustomization(dir);
  const known = new Set(['apiVersion', 'kind', 'resources', 'configMapGenerator', 'patches', 'images', 'labels']);
  const unknown = Object.keys(k).filter((key) => !known.has(key));
  if (unknown.length) throw new Error(`${dir}/kustomization.yaml: this test does not render ${unknown.join(', ')}`);
  const objects: K8sObject[] = [];
  for (const resource of k.resources ?? []) {
    const path = resolve(dir, resource);
    if (statSync(path).isDirectory()) objects.push(...kustomizeBuild(path));
    else objects.push(...parseAllDocuments(readFileSync(path, 'utf8')).map((document) => document.toJS() as K8sObject));
  }
  for (const generator of k.configMapGenerator ?? []) {
    const data = Object.fromEntries(generator.files.map((file) => [basename(file), readFileSync(resolve(dir, file), 'utf8')]));
    objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: generator.name }, data });
  }
  for (const patch of k.patches ?? []) {
    const target = objects.find((object) => object.kind === patch.target.kind && object.metadata.name === patch.target.name);
    if (!target) throw new Error(`${dir}: a patch targets ${patch.target.kind}/${patch.target.name}, which is not there`);
    const operations = parse(patch.patch ?? readFileSync(resolve(dir, patch.path!), 'utf8')) as Operation[];
    for (const operation of operations) applyOperation(target, operation);
  }
  for (const { pairs } of k.labels ?? []) {
    for (const object of objects) object.metadata.labels = { ...(object.metadata.labels as object | undefined), ...pairs };
  }
  for (const image of k.images ?? []) {
    for (const object of objects)
      for (const container of object.spec?.template?.spec?.containers ?? [])
        if (container.image === image.name) container.image = `${image.newName ?? image.name}:${image.newTag ?? 'latest'}`;
  }
  return objects;
}

/** Files directly in a folder, for "every resource file is listed". */
export function yamlFilesIn(dir: string): string[] {
  return readdirSync(dir).filter((file) => /\.ya?ml$/.test(file) && file !== 'kustomization.yaml');
}

function applyOperation(target: unknown, operation: Operation): void {
  const keys = operation.path
    .split('/')
    .slice(1)
    .map((key) => key.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = keys.pop()!;
  let parent: any = target;
  for (const key of keys) {
    parent = parent?.[key];
    if (parent === undefined) throw new Error(`patch path ${operation.path} does not exist`);
  }
  if (operation.op === 'test') {
    if (JSON.stringify(parent?.[last]) !== JSON.stringify(operation.value))
      throw new Error(`patch test failed at ${operation.path}: ${JSON.stringify(parent?.[last])}`);
  } else if (operation.op === 'remove') {
    if (!(last in parent)) throw new Error(`patch path ${operation.path} does not exist`);
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else if (operation.op === 'replace') {
    if (!(last in parent)) throw new Error(`patch path ${operation.path} does not exist`);
    parent[last] = operation.value;
  } else if (Array.isArray(parent)) {
    parent.splice(last === '-' ? parent.length : Number(last), 0, operation.value);
  } else {
    parent[last] = operation.value;
  }
}
