/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's generated models (V1Pod, ...) are classes with only public data fields and no
   behaviour; its API takes plain object literals, as all its examples do. */
import { execFile } from 'node:child_process';
import { createConnection } from 'node:net';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, testEnv, uniqueName } from '@lamina/testkit';

// Proves test/env's node (lib/node.sh): a pod locked down like our worker pods is scheduled onto
// the kubelet, runs from an image copied in with test/env/load-image (nothing is pulled), is
// reachable from this process at its pod IP, and its logs come back through the apiserver.
// Another pod reaches it too: at its pod IP and through a Service by name (cluster DNS and
// kube-proxy), and the apiserver at the `kubernetes` Service address (node_rules).

const PORT = 8080;
const UID = 10001;

// A TCP responder in the base image's Perl (it has no nc or python): one line in, one line out.
// It also reports what the lockdown allows: the root filesystem must refuse writes, /tmp not.
const RESPONDER = `
$| = 1;
use IO::Socket::INET;
my $root = open(my $f, '>', '/probe') ? 'writable' : 'read-only';
my $tmp = open(my $g, '>', '/tmp/probe') ? 'writable' : 'read-only';
my $s = IO::Socket::INET->new(LocalAddr => '0.0.0.0', LocalPort => ${PORT}, Listen => 8, ReuseAddr => 1)
  or die "listen: $!";
print "listening uid=$< rootfs=$root tmp=$tmp\\n";
while (my $c = $s->accept) {
  my $line = <$c>;
  next unless defined $line;
  chomp $line;
  print $c "pong uid=$< $line\\n";
  print "answered ", $c->peerhost, "\\n";
  close $c;
}
`;

/** Sends one line to host:port and resolves with the first line of the answer. */
function ask(host: string, port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port, timeout: 5_000 });
    let received = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      socket.write(`${line}\n`);
    });
    socket.on('data', (chunk: string) => {
      received += chunk;
      const end = received.indexOf('\n');
      if (end >= 0) {
        resolve(received.slice(0, end));
        socket.end();
      }
    });
    socket.on('timeout', () => {
      socket.destroy(new Error(`no answer from ${host}:${port}`));
    });
    socket.on('error', reject);
    // After a resolve this reject is a no-op.
    socket.on('close', () => {
      reject(new Error(`${host}:${port} closed without a full line`));
    });
  });
}

describe('test/env node (kubelet + containerd)', () => {
  const kc = new KubeConfig();
  kc.loadFromFile(testEnv.require('KUBECONFIG'));
  const core = kc.makeApiClient(CoreV1Api);
  const nodeName = testEnv.require('LAMINA_TEST_NODE');
  const image = testEnv.require('LAMINA_BASE_IMAGE');
  const namespace = uniqueName('node');
  let responderIp = '';

  beforeAll(async () => {
    // Idempotent and fast when the image is already in the node's containerd.
    await promisify(execFile)(testEnv.require('LAMINA_TEST_LOAD_IMAGE'), [image], {
      timeout: 120_000,
    });
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  });

  afterAll(async () => {
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  });

  it('runs a locked-down pod that the host reaches at its pod IP, with logs', async () => {
    const pod: V1Pod = {
      metadata: { name: 'responder', labels: { app: 'responder' } },
      spec: {
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        terminationGracePeriodSeconds: 1,
        securityContext: {
          runAsNonRoot: true,
          runAsUser: UID,
          runAsGroup: UID,
          fsGroup: UID,
          seccompProfile: { type: 'RuntimeDefault' },
        },
        containers: [
          {
            name: 'main',
            image,
            imagePullPolicy: 'IfNotPresent',
            command: ['perl', '-e', RESPONDER],
            ports: [{ name: 'tcp', containerPort: PORT }],
            readinessProbe: { tcpSocket: { port: PORT }, periodSeconds: 1 },
            // Guaranteed QoS: requests equal limits.
            resources: {
              requests: { cpu: '100m', memory: '64Mi' },
              limits: { cpu: '100m', memory: '64Mi' },
            },
            securityContext: {
              runAsNonRoot: true,
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ['ALL'] },
              seccompProfile: { type: 'RuntimeDefault' },
            },
            volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
          },
        ],
        volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '16Mi' } }],
      },
    };
    await core.createNamespacedPod({ namespace, body: pod });

    const ready = await eventually(
      async () => {
        const current = await core.readNamespacedPod({ namespace, name: 'responder' });
        const isReady = current.status?.conditions?.some(
          (c) => c.type === 'Ready' && c.status === 'True',
        );
        return isReady === true && current.status?.podIP ? current : undefined;
      },
      { what: 'the pod to be Ready with a pod IP', timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(ready.spec?.nodeName).toBe(nodeName);
    expect(ready.status?.qosClass).toBe('Guaranteed');
    const podIP = ready.status?.podIP ?? '';
    responderIp = podIP;

    expect(await ask(podIP, PORT, 'ping')).toBe(`pong uid=${UID} ping`);

    // Through the apiserver, which dials the kubelet at the node's address.
    const logs = await eventually(
      async () => {
        const text = await core.readNamespacedPodLog({ namespace, name: 'responder' });
        return text.includes('answered ') ? text : undefined;
      },
      { what: 'the answer in the pod log' },
    );
    expect(logs).toContain(`listening uid=${UID} rootfs=read-only tmp=writable`);
  });

  it('lets a pod reach another pod, a Service by name and the apiserver', async () => {
    expect(responderIp).not.toBe('');
    const service = await core.createNamespacedService({
      namespace,
      body: {
        metadata: { name: 'responder' },
        spec: { selector: { app: 'responder' }, ports: [{ port: 80, targetPort: PORT }] },
      },
    });
    // The kubelet sets KUBERNETES_SERVICE_HOST/PORT even with enableServiceLinks off.
    const client = `
$| = 1;
use IO::Socket::INET;
my $p = IO::Socket::INET->new(PeerAddr => '${responderIp}', PeerPort => ${PORT}, Timeout => 5)
  or die "pod: $!";
print $p "from-pod\\n";
my $a = <$p>;
print "pod said: $a";
# The Service's endpoints may reach kube-proxy after this pod starts: retry for 10 s.
my $s;
for (1 .. 50) {
  $s = IO::Socket::INET->new(PeerAddr => 'responder', PeerPort => 80, Timeout => 2) and last;
  select(undef, undef, undef, 0.2);
}
$s or die "service: $!";
print $s "via-service\\n";
my $b = <$s>;
print "service at ", $s->peerhost, " said: $b";
my $k = IO::Socket::INET->new(PeerAddr => $ENV{KUBERNETES_SERVICE_HOST},
  PeerPort => $ENV{KUBERNETES_SERVICE_PORT}, Timeout => 5) or die "apiserver: $!";
print "apiserver at $ENV{KUBERNETES_SERVICE_HOST}:$ENV{KUBERNETES_SERVICE_PORT} accepted\\n";
`;
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'client' },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: { runAsNonRoot: true, runAsUser: UID, runAsGroup: UID },
          containers: [
            {
              name: 'main',
              image,
              imagePullPolicy: 'IfNotPresent',
              command: ['perl', '-e', client],
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
    });
    const phase = await eventually(
      async () => {
        const current = await core.readNamespacedPod({ namespace, name: 'client' });
        const p = current.status?.phase;
        return p === 'Succeeded' || p === 'Failed' ? p : undefined;
      },
      { what: 'the client pod to finish', timeoutMs: 60_000, intervalMs: 250 },
    );
    const logs = await core.readNamespacedPodLog({ namespace, name: 'client' });
    expect({ phase, logs }).toEqual({
      phase: 'Succeeded',
      logs:
        `pod said: pong uid=${UID} from-pod\n` +
        `service at ${service.spec?.clusterIP ?? '?'} said: pong uid=${UID} via-service\n` +
        'apiserver at 10.0.0.1:443 accepted\n',
    });
  });
});
