#!/bin/sh
# Writes DEBIAN/control for `make deb`: VERSION ARCH ROOT.
set -eu
version=$1 arch=$2 root=$3
mkdir -p "$root/DEBIAN"
size=$(du -sk "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: berth
Version: $version
Architecture: $arch
Maintainer: berth developers <berth@localhost>
Installed-Size: $size
Section: admin
Priority: optional
Provides: oci-runtime
Description: daemonless OCI container runtime
 berth reads an OCI bundle's config.json and runs its container, as runc
 does; containerd, podman and Docker call it with runc's command line.
 Statically linked: it needs nothing else at run time.
CONTROL
