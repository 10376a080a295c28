/**
 * The state writer's requests (state-writer.ts StateApi) on @kubernetes/client-node, with exactly the
 * verbs deploy/rbac-state.yaml grants: create core/v1 Events in the Service's namespace; merge-patch a
 * Service's metadata.annotations; list (by label), create, merge-patch the status subresource of, and
 * delete metallb.io/v1beta1 ServiceBGPStatus objects, and create and merge-patch the status of
 * ConfigurationState objects, in the state namespace. A create that finds the object there (409) goes on
 * to the status; a delete that finds it gone (404) is done. With POD_NAME and POD_UID set (the downward
 * API), the objects the agent creates are owned by its Pod, so Kubernetes removes them with it, as MetalLB's.
 */
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { BgpStatus, ConfigState, ServiceEvent } from './state-plan.js';
import { LABEL } from './state-plan.js';
import type { StateApi } from './state-writer.js';

const GROUP = 'metallb.io';
const VERSION = 'v1beta1';
const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

function code(e: unknown): number | undefined {
  const c = (e as { code?: unknown }).code;
  return typeof c === 'number' ? c : undefined;
}

export interface StateApiOptions {
  readonly namespace: string;
  readonly node: string;
  /** The agent's Pod, owner of the objects it creates. */
  readonly pod?: { readonly name: string; readonly uid: string } | undefined;
}

export function kubernetesStateApi(kc: KubeConfig, o: StateApiOptions): StateApi {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const owner = o.pod ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: o.pod.name, uid: o.pod.uid }] } : {};
  const put = async (plural: string, name: string, labels: Readonly<Record<string, string>>, status: object): Promise<void> => {
    try {
      await custom.createNamespacedCustomObject({
        group: GROUP, version: VERSION, namespace: o.namespace, plural,
        body: { apiVersion: `${GROUP}/${VERSION}`, kind: plural === 'servicebgpstatuses' ? 'ServiceBGPStatus' : 'ConfigurationState', metadata: { name, namespace: o.namespace, labels, ...owner } },
      });
    } catch (e) {
      if (code(e) !== 409) throw e;
    }
    await custom.patchNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, namespace: o.namespace, plural, name, body: { status } }, MERGE);
  };
  return {
    createEvent: async (e: ServiceEvent, at: Date) => {
      await core.createNamespacedEvent({
        namespace: e.namespace,
        body: {
          metadata: { generateName: `${e.name}.`, namespace: e.namespace },
          involvedObject: { apiVersion: 'v1', kind: 'Service', name: e.name, namespace: e.namespace, ...(e.uid ? { uid: e.uid } : {}) },
          reason: e.reason, message: e.message, type: e.type, count: 1, firstTimestamp: at, lastTimestamp: at,
          source: { component: 'vipgate-agent', host: o.node }, reportingComponent: 'vipgate-agent', reportingInstance: o.node,
        },
      });
    },
    patchServiceAnnotations: async (namespace, name, set) => {
      await core.patchNamespacedService({ name, namespace, body: { metadata: { annotations: set } } }, MERGE);
    },
    listServiceBGPStatuses: async (node) => {
      const list = await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: o.namespace, plural: 'servicebgpstatuses', labelSelector: `${LABEL.node}=${node}` }) as { items?: { metadata?: { name?: string }; status?: BgpStatus }[] };
      return new Map((list.items ?? []).flatMap((i) => (i.metadata?.name ? [[i.metadata.name, i.status ?? { node, serviceName: '', serviceNamespace: '', peers: [] }] as const] : [])));
    },
    putServiceBGPStatus: (name, labels, status) => put('servicebgpstatuses', name, labels, status),
    deleteServiceBGPStatus: async (name) => {
      try {
        await custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: o.namespace, plural: 'servicebgpstatuses', name });
      } catch (e) {
        if (code(e) !== 404) throw e;
      }
    },
    putConfigurationState: (name, labels, status: ConfigState, at) => put('configurationstates', name, labels, {
      result: status.result, errorSummary: status.errorSummary,
      conditions: [{ ...status.condition, lastTransitionTime: at.toISOString().replace(/\.\d+Z$/, 'Z') }],
    }),
  };
}
