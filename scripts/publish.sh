#!/bin/sh
# Publish the built site (public/) to any static host: rsync over SSH, or an S3-compatible
# object store through the aws CLI. See docs/WORKFLOW.md, "Publishing".
#
#   scripts/publish.sh [--dry-run] [--build] [--src DIR] rsync  user@host:/var/www/site/
#   scripts/publish.sh [--dry-run] [--build] [--src DIR] s3     s3://bucket/prefix/ [--endpoint-url URL]
#
#   --dry-run   show what would be uploaded or deleted; change nothing
#   --build     run `python build.py --compress` first (import + incremental build)
#   --src DIR   the folder to publish (default: public/ next to this script's project)
#
# Files that no longer exist in public/ are deleted on the remote side, so the host
# mirrors the build exactly. Precompressed .gz/.br copies (from `sitegen build --compress`)
# go with rsync (serve them with nginx gzip_static / brotli_static or equivalent); the
# object-store mode leaves them out. There, HTML gets a short cache lifetime, assets a
# long one.
set -eu

ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
SRC="$ROOT/public"
DRY_RUN=0
BUILD=0
ENDPOINT=""

usage() {
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit "${1:-2}"
}

while [ $# -gt 0 ]; do
    case "$1" in
        --dry-run|-n) DRY_RUN=1 ;;
        --build) BUILD=1 ;;
        --src) shift; SRC=$1 ;;
        --endpoint-url) shift; ENDPOINT=$1 ;;
        -h|--help) usage 0 ;;
        --*) echo "publish: unknown option $1" >&2; usage ;;
        *) break ;;
    esac
    shift
done

[ $# -ge 2 ] || usage
MODE=$1
DEST=$2
shift 2
while [ $# -gt 0 ]; do
    case "$1" in
        --endpoint-url) shift; ENDPOINT=$1 ;;
        --dry-run|-n) DRY_RUN=1 ;;
        *) echo "publish: unexpected argument $1" >&2; usage ;;
    esac
    shift
done

if [ "$BUILD" = 1 ]; then
    (cd "$ROOT" && "${PYTHON:-python3}" build.py --compress)
fi

if [ ! -f "$SRC/index.html" ]; then
    echo "publish: $SRC/index.html not found: build the site first (python build.py)" >&2
    exit 1
fi

case "$MODE" in
    rsync)
        command -v rsync >/dev/null 2>&1 || { echo "publish: rsync is not installed" >&2; exit 1; }
        set -- --archive --compress --delete --delay-updates --checksum --human-readable \
               --itemize-changes --exclude='.*'
        [ "$DRY_RUN" = 1 ] && set -- "$@" --dry-run
        echo "publish: rsync $SRC/ -> $DEST$( [ "$DRY_RUN" = 1 ] && echo ' (dry run)')"
        exec rsync "$@" "$SRC/" "$DEST"
        ;;
    s3)
        command -v aws >/dev/null 2>&1 || { echo "publish: the aws CLI is not installed" >&2; exit 1; }
        case "$DEST" in s3://*) ;; *) echo "publish: s3 destination must start with s3://" >&2; exit 2 ;; esac
        DEST=${DEST%/}/
        set --
        [ -n "$ENDPOINT" ] && set -- --endpoint-url "$ENDPOINT"
        [ "$DRY_RUN" = 1 ] && set -- "$@" --dryrun
        echo "publish: aws s3 sync $SRC/ -> $DEST$( [ "$DRY_RUN" = 1 ] && echo ' (dry run)')"
        # Object stores do not negotiate Content-Encoding, so the .gz/.br copies stay home.
        set -- "$@" --exclude '*.gz' --exclude '*.br'
        # 1) assets first (long cache), so no new page ever points at a missing file
        aws s3 sync "$SRC/" "$DEST" "$@" --exclude '*.html' \
            --cache-control 'public, max-age=604800'
        # 2) pages (short cache), then 3) delete what the build no longer produces
        aws s3 sync "$SRC/" "$DEST" "$@" --exclude '*' --include '*.html' \
            --cache-control 'public, max-age=300'
        aws s3 sync "$SRC/" "$DEST" "$@" --delete
        ;;
    *)
        echo "publish: unknown mode '$MODE' (rsync or s3)" >&2
        usage
        ;;
esac
