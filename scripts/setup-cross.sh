#!/usr/bin/env bash
# Installs what cross-compiling the runtime (libbuiltins.a) needs, if missing.
#   aarch64  Debian 12 has arm64 packages: adds the arm64 architecture and
#            installs the cross gcc and libgc/libutf8proc/libconfig-dev:arm64.
#            Binaries run with `qemu-aarch64 -L /` (or -static).
#   riscv64  not a Debian 12 architecture, so there are no :riscv64 packages:
#            installs the cross gcc and builds static libgc, utf8proc and
#            libconfig from Debian's own source packages (apt-get source, which
#            needs a deb-src entry: one is added if there is none) into
#            ${VMCC_DEPS_DIR:-build/deps}/riscv64-linux-gnu/{include,lib}, with
#            pkg-config files: PKG_CONFIG_LIBDIR=<that dir>/lib/pkgconfig.
#            Binaries are linked -static and run with `qemu-riscv64`.
# Idempotent: does nothing when everything is present. The riscv64 libraries
# are rebuilt only when Debian's source versions (or the recipe below) change.
#   scripts/setup-cross.sh [aarch64|riscv64|all]   (default all; the triples
#                                                 aarch64-linux-gnu,
#                                                 riscv64-linux-gnu also work)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
deps=${VMCC_DEPS_DIR:-$root/build/deps}

case "${1:-all}" in
  all) targets=(aarch64 riscv64) ;;
  aarch64 | arm64 | aarch64-linux-gnu) targets=(aarch64) ;;
  riscv64 | riscv64-linux-gnu) targets=(riscv64) ;;
  *) echo "usage: $0 [aarch64|riscv64|all]" >&2; exit 2 ;;
esac

# shellcheck source=scripts/apt.sh
. "$root/scripts/apt.sh"

setup_aarch64() {
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    echo "setup-cross: adding the arm64 architecture"
    $sudo dpkg --add-architecture arm64
    updated=0   # the arm64 package lists are not there yet
  fi
  # Not libcriterion-dev:arm64: it cannot be installed beside the native
  # libcriterion-dev (its dependencies libnanomsg5, libnanomsg-dev and
  # libhttp-parser-dev are not Multi-Arch), and installing it would remove the
  # native one that scripts/setup.sh installs for the unit tests.
  # pkgconf:arm64 provides aarch64-linux-gnu-pkg-config.
  ensure_packages gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user pkgconf:arm64 \
    libgc-dev:arm64 libutf8proc-dev:arm64 libconfig-dev:arm64 libffi8:arm64 libgit2-1.5:arm64
  setup_aarch64_criterion
}

# Criterion for the runtime's unit tests on aarch64: its packages are
# unpacked (dpkg-deb -x, not installed) into
# ${VMCC_DEPS_DIR}/aarch64-linux-gnu/root, with a criterion.pc that links
# it with an RPATH there. Its other libraries (libffi8, libgit2-1.5) are
# Multi-Arch and installed above.
aarch64_criterion_debs=(libcriterion-dev libcriterion3 libnanomsg5)
setup_aarch64_criterion() {
  local prefix=$deps/aarch64-linux-gnu stamp versions p
  versions=$(for p in "${aarch64_criterion_debs[@]}"; do
               apt-cache policy "$p:arm64" | awk -v p="$p" '/Candidate:/ {print p, $2}'
             done)
  stamp=$(printf 'prefix %s\n%s\n' "$prefix" "$versions")
  [ "$(cat "$prefix/.stamp" 2>/dev/null)" = "$stamp" ] && return 0
  echo "setup-cross: unpacking Criterion for aarch64-linux-gnu into $prefix"
  rm -rf "$prefix" && mkdir -p "$prefix/debs" "$prefix/root" "$prefix/lib/pkgconfig"
  local debs=("${aarch64_criterion_debs[@]/%/:arm64}")
  if ! (cd "$prefix/debs" && apt-get -q -o APT::Sandbox::User=root download "${debs[@]}") \
       > "$prefix/download.log" 2>&1; then
    [ $updated -eq 1 ] || apt_update
    (cd "$prefix/debs" && apt-get -q -o APT::Sandbox::User=root download "${debs[@]}")
  fi
  for p in "$prefix"/debs/*.deb; do dpkg-deb -x "$p" "$prefix/root"; done
  local lib=$prefix/root/usr/lib/aarch64-linux-gnu
  # RPATH, not RUNPATH: libcriterion.so.3 finds libnanomsg.so.5 through it too.
  cat > "$prefix/lib/pkgconfig/criterion.pc" << PC
Name: criterion
Description: Criterion unpacked for aarch64-linux-gnu by scripts/setup-cross.sh
Version: $(echo "$versions" | awk 'NR == 1 {print $2}')
Cflags: -I$prefix/root/usr/include
Libs: -L$lib -lcriterion -Wl,--disable-new-dtags,-rpath,$lib,-rpath-link,$lib
PC
  rm -rf "$prefix/debs" "$prefix/download.log"
  echo "$stamp" > "$prefix/.stamp"
}

# ---- riscv64 -----------------------------------------------------------------

# apt-get source needs a deb-src entry. If there is none, write one (deb822)
# for Debian's main archive: a copy of the deb entry whose Suites include this
# release's codename (bookworm), read from the deb822 *.sources files or else
# from a one-line `deb [signed-by=...] URI SUITE COMPONENTS` in sources.list.
# Signed-By is copied too: apt refuses entries for the same URI and suite
# whose Signed-By differ.
deb_src_file=/etc/apt/sources.list.d/vmcc-deb-src.sources
ensure_deb_src() {
  if grep -Eqs '^[[:space:]]*deb-src[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list ||
     grep -Eqs '^Types:.*[[:space:]]deb-src([[:space:]]|$)' /etc/apt/sources.list.d/*.sources; then
    return 0
  fi
  local codename entry
  # shellcheck source=/dev/null
  codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
  entry=$(awk -v RS= -v c="$codename" '
    {
      n = split($0, line, "\n"); deb = 0; suite = 0
      for (i = 1; i <= n; i++) {
        if (line[i] ~ /^Types:/ && (line[i] " ") ~ / deb /) deb = 1
        if (line[i] ~ /^Suites:/ && (line[i] " ") ~ (" " c " ")) suite = 1
        if (line[i] ~ /^Enabled:[[:space:]]*no/) deb = 0
      }
      if (!deb || !suite) next
      for (i = 1; i <= n; i++) {
        if (line[i] ~ /^#/) continue
        if (line[i] ~ /^Types:/) line[i] = "Types: deb-src"
        print line[i]
      }
      exit
    }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  if [ -z "$entry" ] && [ -f /etc/apt/sources.list ]; then
    entry=$(awk -v c="$codename" '
      $1 == "deb" {
        n = 2; signed = ""
        if ($2 ~ /^\[/) {   # [opt=value ...]
          for (; n <= NF; n++) {
            o = $n; gsub(/[][]/, "", o)
            if (o ~ /^signed-by=/) signed = substr(o, 11)
            if ($n ~ /\]$/) { n++; break }
          }
        }
        if ($(n + 1) != c) next
        comps = ""
        for (i = n + 2; i <= NF && $i !~ /^#/; i++) comps = comps " " $i
        print "Types: deb-src\nURIs: " $n "\nSuites: " c "\nComponents:" comps
        if (signed != "") print "Signed-By: " signed
        exit
      }' /etc/apt/sources.list)
  fi
  if [ -z "$entry" ]; then
    echo "setup-cross: no deb entry for Debian $codename to derive a deb-src entry from;" \
      "add one (apt-get source libgc must work)" >&2
    exit 1
  fi
  echo "setup-cross: enabling Debian source packages in $deb_src_file"
  printf '# Added by vmcc scripts/setup-cross.sh: apt-get source for the riscv64 libraries.\n%s\n' \
    "$entry" | $sudo tee "$deb_src_file" > /dev/null
  updated=0   # the Sources index is not there yet
}

# Prints "package version" for each source package, the highest version apt
# knows (what apt-get source fetches).
source_versions() {
  local pkg ver best=()
  declare -A best_of=()
  while read -r pkg ver; do
    if [ -z "${best_of[$pkg]:-}" ] || dpkg --compare-versions "$ver" gt "${best_of[$pkg]}"; then
      best_of[$pkg]=$ver
    fi
  done < <(apt-cache showsrc --only-source "$@" 2>/dev/null |
             awk '/^Package:/ { p = $2 } /^Version:/ { print p, $2 }')
  for pkg in "$@"; do
    [ -n "${best_of[$pkg]:-}" ] || return 1
    best+=("$pkg ${best_of[$pkg]}")
  done
  printf '%s\n' "${best[@]}"
}

# Runs a command with its output appended to $log; on failure shows the end.
log=/dev/null
run() {
  if ! "$@" >> "$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "setup-cross: failed: $* (log: $log)" >&2
    exit 1
  fi
}

# Bump when the build below changes, to rebuild existing prefixes.
riscv64_recipe=1
riscv64_sources=(libgc utf8proc libconfig)

setup_riscv64() {
  local triple=riscv64-linux-gnu
  local prefix=$deps/$triple work=$deps/src/$triple
  local cc=$triple-gcc cflags="-O2 -fPIC" versions stamp f
  ensure_packages gcc-$triple libc6-dev-riscv64-cross qemu-user dpkg-dev make autotools-dev
  ensure_deb_src
  if ! versions=$(source_versions "${riscv64_sources[@]}"); then
    [ $updated -eq 1 ] || apt_update
    versions=$(source_versions "${riscv64_sources[@]}") || {
      echo "setup-cross: apt-get source ${riscv64_sources[*]} will not work (no Sources index?)" >&2
      exit 1
    }
  fi
  stamp=$(printf 'recipe %s\nprefix %s\n%s\n' "$riscv64_recipe" "$prefix" "$versions")
  if [ "$(cat "$prefix/.stamp" 2>/dev/null)" = "$stamp" ] &&
     [ -f "$prefix/lib/libgc.a" ] && [ -f "$prefix/lib/libutf8proc.a" ] && [ -f "$prefix/lib/libconfig.a" ]; then
    return 0
  fi

  echo "setup-cross: building $(echo "$versions" | tr '\n' ' ')for $triple into $prefix"
  rm -rf "$work" "$prefix"
  mkdir -p "$work" "$prefix/include" "$prefix/lib/pkgconfig"
  cd "$work"
  log=$work/source.log
  # As root, apt would download as _apt, who cannot write here: no sandbox.
  # shellcheck disable=SC2046  # one pkg=version word per source package
  run apt-get -q -o APT::Sandbox::User=root source $(echo "$versions" | tr ' ' '=')
  # As Debian's builds do (dh_update_autotools_config), refresh config.sub and
  # config.guess: libconfig 1.5's are from 2013 and do not know riscv64.
  while IFS= read -r f; do
    cp "/usr/share/misc/${f##*/}" "$f"
  done < <(find "$work" -name config.sub -o -name config.guess)

  # Boehm GC: the configuration of Debian's libgc-dev (debian/rules: no
  # libatomic_ops, POSIX threads, static build; parallel mark and thread-local
  # allocation are configure's defaults), C only.
  cd "$work"/libgc-*/
  log=$work/libgc.log
  run ./configure --host=$triple --prefix="$prefix" CC=$cc CFLAGS="$cflags" \
    --enable-static --disable-shared --with-pic --disable-dependency-tracking \
    --enable-threads=posix --enable-parallel-mark --enable-thread-local-alloc \
    --with-libatomic-ops=none --disable-cplusplus --disable-docs
  run make -j2
  run make install

  # utf8proc: a plain Makefile; only the static library and its .pc.
  cd "$work"/utf8proc-*/
  log=$work/utf8proc.log
  run make -j2 CC=$cc AR=$triple-ar CFLAGS="$cflags" prefix="$prefix" libutf8proc.a libutf8proc.pc
  run install -m 644 utf8proc.h "$prefix/include/"
  run install -m 644 libutf8proc.a "$prefix/lib/"
  run install -m 644 libutf8proc.pc "$prefix/lib/pkgconfig/"

  # libconfig: autotools; only the C library in lib/ (no C++, docs, examples).
  cd "$work"/libconfig-*/
  log=$work/libconfig.log
  run ./configure --host=$triple --prefix="$prefix" CC=$cc CFLAGS="$cflags" \
    --enable-static --disable-shared --with-pic --disable-dependency-tracking \
    --disable-cxx --disable-examples
  run make -j2 -C lib
  run make -C lib install

  rm -f "$prefix"/lib/*.la
  echo "$stamp" > "$prefix/.stamp"
  cd "$root"
  rm -rf "$work"
  rmdir "$deps/src" 2> /dev/null || true
}

for t in "${targets[@]}"; do
  "setup_$t"
done

ready=()
for t in "${targets[@]}"; do
  case $t in
    aarch64) ready+=("aarch64-linux-gnu  (aarch64-linux-gnu-pkg-config; run: qemu-aarch64 -L /)") ;;
    riscv64) ready+=("riscv64-linux-gnu  (PKG_CONFIG_LIBDIR=$deps/riscv64-linux-gnu/lib/pkgconfig; link -static, run: qemu-riscv64)") ;;
  esac
done
printf 'setup-cross: ready: %s\n' "${ready[@]}"
