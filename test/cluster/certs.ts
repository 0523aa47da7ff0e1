// Certificates and service-account keys for the test cluster, made with openssl (EC P-256: fast to generate).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Identity { name: string; cn: string; org?: string }

export interface Certs {
  dir: string;
  ca: string; apiserverCert: string; apiserverKey: string;
  kubeletCert: string; kubeletKey: string; // the node agent's serving pair (kubelet port)
  saKey: string; saPub: string;
  client: (name: string) => { cert: string; key: string };
}

const openssl = (args: string[]): void => { execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] }); };

function leaf(dir: string, name: string, subject: string, ext: string): void {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const extFile = join(dir, `${name}.ext`);
  writeFileSync(extFile, ext);
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
  openssl(['req', '-new', '-key', key, '-subj', subject, '-out', csr]);
  openssl(['x509', '-req', '-in', csr, '-CA', join(dir, 'ca.crt'), '-CAkey', join(dir, 'ca.key'),
    '-CAcreateserial', '-days', '3650', '-sha256', '-extfile', extFile, '-out', join(dir, `${name}.crt`)]);
}

/** Creates what is missing under dir; an existing set is reused so a warm start skips openssl. */
export function ensureCerts(dir: string, clients: Identity[], nodeName: string): Certs {
  mkdirSync(dir, { recursive: true });
  const p = (f: string): string => join(dir, f);
  if (!existsSync(p('ca.crt'))) {
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', p('ca.key')]);
    openssl(['req', '-x509', '-new', '-key', p('ca.key'), '-subj', '/CN=pipewright-test-ca', '-days', '3650',
      '-sha256', '-out', p('ca.crt')]);
  }
  const server = (sans: string): string =>
    `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${sans}\n`;
  if (!existsSync(p('apiserver.crt'))) {
    leaf(dir, 'apiserver', '/CN=kube-apiserver', server(
      'IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,' +
      'DNS:kubernetes.default.svc.cluster.local'));
  }
  if (!existsSync(p('kubelet.crt'))) leaf(dir, 'kubelet', `/CN=${nodeName}`, server(`IP:127.0.0.1,DNS:${nodeName}`));
  const clientExt = 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n';
  for (const c of clients) {
    if (!existsSync(p(`${c.name}.crt`))) leaf(dir, c.name, `${c.org ? `/O=${c.org}` : ''}/CN=${c.cn}`, clientExt);
  }
  if (!existsSync(p('sa.key'))) {
    openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', p('sa.key')]);
    openssl(['pkey', '-in', p('sa.key'), '-pubout', '-out', p('sa.pub')]);
  }
  return {
    dir, ca: p('ca.crt'), apiserverCert: p('apiserver.crt'), apiserverKey: p('apiserver.key'),
    kubeletCert: p('kubelet.crt'), kubeletKey: p('kubelet.key'), saKey: p('sa.key'), saPub: p('sa.pub'),
    client: (name) => ({ cert: p(`${name}.crt`), key: p(`${name}.key`) }),
  };
}

export interface KubeconfigFields { server: string; ca: string; user: string; cert: string; key: string }

export function writeKubeconfig(file: string, { server, ca, user, cert, key }: KubeconfigFields): void {
  writeFileSync(file, [
    'apiVersion: v1', 'kind: Config',
    'clusters:', '- name: pipewright-test', '  cluster:', `    server: ${server}`, `    certificate-authority: ${ca}`,
    'users:', `- name: ${user}`, '  user:', `    client-certificate: ${cert}`, `    client-key: ${key}`,
    'contexts:', '- name: pipewright-test', '  context:', '    cluster: pipewright-test', `    user: ${user}`,
    'current-context: pipewright-test', '',
  ].join('\n'));
}
