// The image both clients run, made locally from the busybox fixture (nothing is pulled):
//   - rootfs.tar: test/fixtures/busybox-bundle.mjs's rootfs, for `podman import`;
//   - oci-image.tar: the same tar as the one layer of a minimal OCI image layout (oci-layout,
//     index.json, a manifest, a config, the layer blob), for `ctr images import`.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBusyboxBundle } from '../../fixtures/busybox-bundle.mjs';

/** A file of the image below a directory podman mounts a tmpfs on: `--read-only` copies it up (tmpcopyup). */
export const IMAGE_FILE = { path: '/var/tmp/from-the-image', content: 'shipped in the image\n' };

/** The platform as OCI names it (the image must match the host's for the clients to pick it). */
const ARCH = ({ x64: 'amd64', arm64: 'arm64', ia32: '386' } as Record<string, string>)[process.arch] ?? process.arch;

export const IMAGE_ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];

export interface ImageFiles {
  rootfsTar: string;
  ociTar: string;
}

/** Builds both tars in `dir`; `name` is the reference the OCI image is imported as. */
export async function buildImages(dir: string, name: string): Promise<ImageFiles> {
  const bundle = join(dir, 'image-bundle');
  await buildBusyboxBundle(bundle);
  const rootfs = join(bundle, 'rootfs');
  mkdirSync(join(rootfs, 'var/tmp'), { recursive: true });
  writeFileSync(join(rootfs, IMAGE_FILE.path), IMAGE_FILE.content);
  const rootfsTar = join(dir, 'rootfs.tar');
  execFileSync('tar', ['-C', rootfs, '-cf', rootfsTar, '.']);
  rmSync(bundle, { recursive: true, force: true });
  const ociTar = join(dir, 'oci-image.tar');
  writeOciImageTar(rootfsTar, ociTar, name);
  return { rootfsTar, ociTar };
}

/** An OCI image layout with one uncompressed layer, tarred: what `ctr images import` reads. */
export function writeOciImageTar(layerTar: string, out: string, name: string): void {
  const layout = `${out}.d`;
  rmSync(layout, { recursive: true, force: true });
  mkdirSync(join(layout, 'blobs/sha256'), { recursive: true });
  const blob = (bytes: Buffer) => {
    const hex = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(join(layout, 'blobs/sha256', hex), bytes);
    return { digest: `sha256:${hex}`, size: bytes.length };
  };
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));

  const layer = blob(readFileSync(layerTar));
  const config = blob(
    json({
      architecture: ARCH,
      os: 'linux',
      config: { Env: IMAGE_ENV, Cmd: ['sh'] },
      // Uncompressed: the diff id is the layer's own digest.
      rootfs: { type: 'layers', diff_ids: [layer.digest] },
    }),
  );
  const manifest = blob(
    json({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
    }),
  );
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          platform: { architecture: ARCH, os: 'linux' },
          // containerd names the imported image after this annotation.
          annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': 'latest' },
        },
      ],
    }),
  );
  execFileSync('tar', ['-C', layout, '-cf', out, 'oci-layout', 'index.json', 'blobs']);
  rmSync(layout, { recursive: true, force: true });
}
