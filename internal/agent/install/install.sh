#!/bin/sh
# Install the kanri agent on a Linux server and register it with kanri.
#
# A kanri server serves this script at /install.sh with its own endpoint
# written in below:
#
#   curl -fsSL https://kanri.example.com:8470/install.sh | sudo sh
#   curl -fsSL https://kanri.example.com:8470/install.sh | sudo sh -s -- --name web-1 --tags env=prod,role=web
#
# It vends an activation (GET $ENDPOINT/vend/activation), downloads kanri
# for this architecture ($ENDPOINT/download/kanri-linux-<arch>) and checks
# it against its .sha256, installs it as $PREFIX/usr/local/bin/kanri,
# registers the agent (state in $PREFIX/var/lib/kanri-agent) and installs
# and starts the kanri-agent systemd service.
#
# Running it again redoes nothing that is done: a binary with the right
# checksum is not downloaded again, a registered agent is not registered
# again (no activation is used), and an unchanged service is left running.
set -eu

ENDPOINT='__KANRI_ENDPOINT__'
PREFIX=/
NAME=
TAGS=
DRY_RUN=0
NO_SERVICE=0

usage() {
	cat <<USAGE
Usage: install.sh [options]

Install the kanri agent, register this server with kanri and start the agent.

Options:
  --endpoint URL   the kanri server (default $ENDPOINT)
  --prefix DIR     install into the file system rooted at DIR (default /):
                   the binary goes to DIR/usr/local/bin/kanri, the agent's
                   state to DIR/var/lib/kanri-agent
  --name NAME      the instance's name (default: the activation's)
  --tags K=V,...   the instance's tags
  --no-service     do not install or start the systemd service: leave the
                   agent registered and print how to run it
  --dry-run        print what would be done and change nothing
  -h, --help       print this help
USAGE
}

say() { printf 'kanri-install: %s\n' "$*"; }
die() {
	printf 'kanri-install: error: %s\n' "$*" >&2
	exit 1
}

# run CMD ARGS...: runs a command that changes the system, or prints it
# with --dry-run.
run() {
	if [ "$DRY_RUN" = 1 ]; then
		printf 'kanri-install: would run:'
		printf ' %s' "$@"
		printf '\n'
	else
		"$@"
	fi
}

while [ $# -gt 0 ]; do
	case $1 in
	--endpoint | --prefix | --name | --tags)
		[ $# -ge 2 ] || die "$1 needs a value"
		case $1 in
		--endpoint) ENDPOINT=$2 ;;
		--prefix) PREFIX=$2 ;;
		--name) NAME=$2 ;;
		--tags) TAGS=$2 ;;
		esac
		shift 2
		;;
	--endpoint=*) ENDPOINT=${1#*=}; shift ;;
	--prefix=*) PREFIX=${1#*=}; shift ;;
	--name=*) NAME=${1#*=}; shift ;;
	--tags=*) TAGS=${1#*=}; shift ;;
	--dry-run) DRY_RUN=1; shift ;;
	--no-service) NO_SERVICE=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; die "unknown option: $1" ;;
	esac
done

case $ENDPOINT in
http://?* | https://?*) ENDPOINT=${ENDPOINT%/} ;;
*) die "--endpoint must be an http(s) URL, not '$ENDPOINT'" ;;
esac
case $PREFIX in
/*) ;;
*) die "--prefix must be an absolute directory, not '$PREFIX'" ;;
esac
ROOT=${PREFIX%/} # "" for /
BIN_PATH=/usr/local/bin/kanri
STATE_PATH=/var/lib/kanri-agent
BIN=$ROOT$BIN_PATH
STATE=$ROOT$STATE_PATH

[ "$(uname -s)" = Linux ] || die "this script installs on Linux; on Windows use $ENDPOINT/install.ps1"
case $(uname -m) in
x86_64 | amd64) ARCH=amd64 ;;
aarch64 | arm64) ARCH=arm64 ;;
armv6* | armv7*) ARCH=arm ;;
i386 | i686) ARCH=386 ;;
ppc64le) ARCH=ppc64le ;;
s390x) ARCH=s390x ;;
riscv64) ARCH=riscv64 ;;
*) die "unsupported architecture: $(uname -m)" ;;
esac
if [ -z "$ROOT" ] && [ "$DRY_RUN" = 0 ] && [ "$(id -u)" != 0 ]; then
	die "run as root (for example with sudo), or install elsewhere with --prefix"
fi
if command -v curl >/dev/null 2>&1; then
	HTTP=curl
elif command -v wget >/dev/null 2>&1; then
	HTTP=wget
else
	die "neither curl nor wget is installed: install one of them"
fi
command -v sha256sum >/dev/null 2>&1 || die "sha256sum is not installed (it comes with coreutils or busybox)"

# json_field KEY FILE: the string value of KEY in the JSON object in FILE.
json_field() {
	sed -n 's/.*"'"$1"'"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$2" 2>/dev/null | head -n 1
}

# http_get URL FILE: downloads URL into FILE, or fails with the server's
# error.
http_get() {
	if [ "$HTTP" = curl ]; then
		status=$(curl -sS -L --retry 3 --connect-timeout 20 -o "$2" -w '%{http_code}' "$1") ||
			die "cannot download $1"
	else
		wget -q -T 20 -t 3 -O "$2" "$1" || die "cannot download $1 (wget failed)"
		status=200
	fi
	case $status in
	2??) ;;
	*)
		code=$(json_field __type "$2")
		message=$(json_field message "$2")
		[ -n "$code$message" ] || message=$(head -c 300 "$2" 2>/dev/null | head -n 1)
		die "GET $1: HTTP $status${code:+ $code}${message:+: $message}"
		;;
	esac
}

# sha256 FILE: FILE's SHA-256, in hex.
sha256() { sha256sum "$1" | awk '{ print $1 }'; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' HUP INT TERM

# 1. The binary.
FILE=kanri-linux-$ARCH
URL=$ENDPOINT/download/$FILE
UPDATED=0
if [ "$DRY_RUN" = 1 ]; then
	say "would download $URL, check it against $URL.sha256 and install it as $BIN unless it is there already"
else
	http_get "$URL.sha256" "$TMP/$FILE.sha256"
	WANT=$(awk '{ print $1; exit }' "$TMP/$FILE.sha256")
	case $WANT in
	*[!0-9a-f]* | '') die "$URL.sha256 holds no SHA-256 checksum" ;;
	esac
	[ ${#WANT} -eq 64 ] || die "$URL.sha256 holds no SHA-256 checksum"
	if [ -f "$BIN" ] && [ "$(sha256 "$BIN")" = "$WANT" ]; then
		say "$BIN is up to date"
	else
		say "downloading $URL"
		http_get "$URL" "$TMP/$FILE"
		GOT=$(sha256 "$TMP/$FILE")
		[ "$GOT" = "$WANT" ] || die "checksum mismatch for $FILE: $URL.sha256 says $WANT, the download is $GOT; nothing was installed"
		mkdir -p "${BIN%/*}"
		cp "$TMP/$FILE" "$BIN.new"
		chmod 0755 "$BIN.new"
		mv -f "$BIN.new" "$BIN" # a running agent keeps its old file
		say "installed $BIN"
		UPDATED=1
	fi
fi

# 2. The registration.
if [ -f "$STATE/registration.json" ]; then
	ID=$(json_field InstanceId "$STATE/registration.json")
	say "already registered as ${ID:-an instance} (state in $STATE); not registering again"
elif [ "$DRY_RUN" = 1 ]; then
	say "would vend an activation from $ENDPOINT/vend/activation"
	say "would run: $BIN agent register --url $ENDPOINT --state-dir $STATE${NAME:+ --name $NAME}${TAGS:+ --tags $TAGS} (activation ID and code in KANRI_ID, KANRI_CODE)"
else
	http_get "$ENDPOINT/vend/activation" "$TMP/activation.json"
	ACTIVATION_ID=$(json_field ActivationId "$TMP/activation.json")
	ACTIVATION_CODE=$(json_field ActivationCode "$TMP/activation.json")
	REGION=$(json_field Region "$TMP/activation.json")
	REGISTER_URL=$(json_field Endpoint "$TMP/activation.json")
	[ -n "$ACTIVATION_ID" ] && [ -n "$ACTIVATION_CODE" ] ||
		die "$ENDPOINT/vend/activation answered no activation"
	say "registering with ${REGISTER_URL:-$ENDPOINT} (activation $ACTIVATION_ID${REGION:+, region $REGION})"
	set -- agent register --url "${REGISTER_URL:-$ENDPOINT}" --state-dir "$STATE"
	[ -z "$NAME" ] || set -- "$@" --name "$NAME"
	[ -z "$TAGS" ] || set -- "$@" --tags "$TAGS"
	# The activation goes in the environment, which other users cannot
	# read, rather than on the command line, which they can.
	KANRI_ID=$ACTIVATION_ID KANRI_CODE=$ACTIVATION_CODE "$BIN" "$@" ||
		die "registration failed (see above)"
fi

# 3. The service.
if [ "$NO_SERVICE" = 1 ]; then
	say "not installing the service (--no-service); run the agent with:"
	say "  $BIN agent run --state-dir $STATE"
elif ! command -v systemctl >/dev/null 2>&1 || { [ -z "$ROOT" ] && [ ! -d /run/systemd/system ]; }; then
	say "systemd is not running here, so no service was installed; run the agent with:"
	say "  $BIN agent run --state-dir $STATE"
else
	set -- agent install-service --root "${ROOT:-/}" --binary "$BIN_PATH" --state-dir "$STATE_PATH"
	[ "$UPDATED" = 0 ] || set -- "$@" --restart
	run "$BIN" "$@" || die "installing the service failed (see above)"
	[ "$DRY_RUN" = 1 ] || say "the kanri-agent service is installed${ROOT:+ under $ROOT}"
fi
say "done"
