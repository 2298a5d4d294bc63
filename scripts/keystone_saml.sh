# shellcheck shell=bash
# SAML federation harness for scripts/keystone (sourced by it; not a command).
# See docs/keystone-harness.md, "SAML federation".
#
#  - the main Keystone is a SAML identity provider (Keystone-to-Keystone):
#    [saml] in its keystone.conf, a certificate made once, its metadata;
#  - "sp": a second Keystone (own config, SQLite, keys under $DIR/sp/) behind
#    scripts/saml_sp.py, a stand-in for mod_shib that verifies assertions with
#    xmlsec1 and hands their attributes to Keystone's mapped method;
#  - "idp": scripts/saml_idp_standin.py, a SAML2 ECP identity provider and an
#    ADFS (WS-Trust 1.3) stand-in, signing with xmlsec1.
#
# Uses from scripts/keystone: DIR, VENV, CONF, PORT_OFFSET, MAIN_PORT,
# ADMIN_PASSWORD, SCRIPT_DIR, log, die, km.

SAML_DIR=$DIR/saml
SP_DIR=$DIR/sp
SP_CONF=$SP_DIR/keystone.conf
SP_PORT=$((5002 + PORT_OFFSET))
STANDIN_PORT=$((5003 + PORT_OFFSET))
SP_BASE=http://127.0.0.1:$SP_PORT
STANDIN_BASE=http://127.0.0.1:$STANDIN_PORT
SP_AUTH_URL=$SP_BASE/v3
SAML_SEED=$SCRIPT_DIR/keystone_saml_seed.py
# Seed version of the federation data (SP registration, SP Keystone).
SAML_SEED_VERSION=1

# The main Keystone as identity provider (Keystone-to-Keystone).
K2K_SP_ID=ksa-sp
K2K_IDP=ksa-k2k-idp
K2K_IDP_ENTITY_ID=http://127.0.0.1:$MAIN_PORT/v3/OS-FEDERATION/saml2/idp
K2K_IDP_SSO_ENDPOINT=http://127.0.0.1:$MAIN_PORT/v3/OS-FEDERATION/saml2/sso
K2K_REMOTE_PROJECT=k2k-project
SAML_PROTOCOL=saml2
SAML_PROJECT=saml-project

# The service provider (mod_shib stand-in in front of the SP Keystone).
SP_ENTITY_ID=$SP_BASE/shibboleth
SP_ECP_CONSUMER=$SP_BASE/Shibboleth.sso/SAML2/ECP
SP_ADFS_ENDPOINT=$SP_BASE/Shibboleth.sso/ADFS
K2K_SP_AUTH_URL=$SP_AUTH_URL/OS-FEDERATION/identity_providers/$K2K_IDP/protocols/$SAML_PROTOCOL/auth

# The identity provider stand-ins.
ECP_IDP=ksa-ecp-idp
ECP_ENTITY_ID=https://ecp-idp.ksa.test/idp/shibboleth
ECP_URL=$STANDIN_BASE/idp/profile/SAML2/SOAP/ECP
ECP_URL_WRONG_CONSUMER=$STANDIN_BASE/idp/profile/SAML2/SOAP/ECP-wrong-consumer
ECP_WRONG_CONSUMER=$STANDIN_BASE/wrong-consumer/Shibboleth.sso/SAML2/ECP
ECP_USERNAME=ecp-user
ECP_PASSWORD=ecp-secret
ADFS_IDP=ksa-adfs-idp
ADFS_ENTITY_ID=http://adfs.ksa.test/adfs/services/trust
ADFS_URL=$STANDIN_BASE/adfs/services/trust/13/usernamemixed
ADFS_USERNAME=adfs-user
ADFS_PASSWORD=adfs-secret

# saml_instances: the federation's servers, when xmlsec1 is there.
saml_instances() {
    [[ -z $(xmlsec1_bin) ]] || printf '%s\n' sp idp
}

saml_binds_of() {
    case $1 in
        sp) echo "127.0.0.1:$SP_PORT" ;;
        idp) echo "127.0.0.1:$STANDIN_PORT" ;;
    esac
}

# saml_launch NAME: start the sp or idp server (see launch in scripts/keystone).
saml_launch() {
    case $1 in
        sp) LAUNCH_APP=saml_sp:application launch sp \
            OS_KEYSTONE_CONFIG_FILES="$SP_CONF" OS_DEFAULT__LOG_FILE="$DIR/keystone-sp.log" \
            KSA_SSO_USER= KSA_SAML_SP_CONFIG="$SP_DIR/saml-sp.json" ;;
        idp) LAUNCH_APP=saml_idp_standin:application launch idp \
            KSA_SAML_IDP_CONFIG="$SAML_DIR/idp-standin.json" ;;
    esac
}

# ------------------------------------------------------------------ install

xmlsec1_bin() { command -v xmlsec1 || true; }

# saml_install: xmlsec1 from the distribution (Keystone signs with it, the
# stand-ins sign and verify with it), as scripts/redis installs redis-server.
# Without it (no apt-get, no root or sudo) the rest of the harness still
# starts: returns 1, the federation is left out, its tests print SKIPPED
# (and fail under CI=true).
saml_install() {
    [[ -n $(xmlsec1_bin) ]] && return 0
    local sudo=
    if [[ $(id -u) -ne 0 ]]; then
        if ! sudo -n true 2>/dev/null; then
            log "warning: xmlsec1 is missing and installing it needs root: no SAML federation"
            return 1
        fi
        sudo="sudo -n"
    fi
    if ! command -v apt-get >/dev/null; then
        log "warning: xmlsec1 is missing and there is no apt-get: no SAML federation"
        return 1
    fi
    log "installing xmlsec1 (apt-get)"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends xmlsec1 >/dev/null 2>&1 ||
        { $sudo apt-get update -qq >/dev/null &&
            DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends xmlsec1 >/dev/null; } ||
        true
    if [[ -z $(xmlsec1_bin) ]]; then
        log "warning: apt-get install xmlsec1 failed: no SAML federation"
        return 1
    fi
}

# ------------------------------------------------------------------- config

# saml_cert NAME CN: a self-signed RSA certificate and key, made once.
saml_cert() {
    local cert=$SAML_DIR/$1-cert.pem key=$SAML_DIR/$1-key.pem
    [[ -s $cert && -s $key ]] && return 0
    (umask 077 && openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
        -subj "/CN=$2" -keyout "$key.tmp" -out "$cert.tmp" >/dev/null 2>&1) ||
        die "openssl could not make the $1 certificate"
    mv -f "$key.tmp" "$key"
    mv -f "$cert.tmp" "$cert"
}

saml_certs() {
    command -v openssl >/dev/null || die "openssl not found"
    mkdir -p "$SAML_DIR"
    saml_cert keystone-idp "ksa keystone idp"
    saml_cert ecp-idp "ecp-idp.ksa.test"
    saml_cert adfs-idp "adfs.ksa.test"
}

# saml_conf_section: the main keystone.conf's [saml] section (none without xmlsec1).
saml_conf_section() {
    [[ -n $(xmlsec1_bin) ]] || return 0
    cat <<EOF
[saml]
certfile = $SAML_DIR/keystone-idp-cert.pem
keyfile = $SAML_DIR/keystone-idp-key.pem
idp_entity_id = $K2K_IDP_ENTITY_ID
idp_sso_endpoint = $K2K_IDP_SSO_ENDPOINT
idp_metadata_path = $SAML_DIR/idp-metadata.xml
xmlsec1_binary = $(xmlsec1_bin)
EOF
}

# write_sp_conf: the SP Keystone's keystone.conf; returns 0 if it changed.
write_sp_conf() {
    local content
    content=$(
        cat <<EOF
# Written by scripts/keystone: edits are overwritten.
[DEFAULT]
log_file = $DIR/keystone-sp.log
use_stderr = false

[database]
connection = sqlite:///$SP_DIR/keystone.db

[token]
provider = fernet

[fernet_tokens]
key_repository = $SP_DIR/fernet-keys

[fernet_receipts]
key_repository = $SP_DIR/fernet-keys

[credential]
key_repository = $SP_DIR/credential-keys

[identity]
password_hash_rounds = 4
max_password_length = 72

[auth]
methods = password,token,mapped,$SAML_PROTOCOL

[cache]
enabled = true
backend = dogpile.cache.memory

[federation]
remote_id_attribute = Shib-Identity-Provider
EOF
    )
    mkdir -p "$SP_DIR"
    if [[ -f $SP_CONF && "$(<"$SP_CONF")" == "$content" ]]; then
        return 1
    fi
    printf '%s\n' "$content" >"$SP_CONF.tmp"
    mv -f "$SP_CONF.tmp" "$SP_CONF"
    return 0
}

# write_if_changed FILE CONTENT: returns 0 if it changed.
write_if_changed() {
    if [[ -f $1 && "$(<"$1")" == "$2" ]]; then
        return 1
    fi
    printf '%s\n' "$2" >"$1.tmp"
    mv -f "$1.tmp" "$1"
}

# write_saml_standin_confs: the JSON configuration of both stand-ins;
# returns 0 if either changed.
write_saml_standin_confs() {
    local changed=1 xmlsec1
    xmlsec1=$(xmlsec1_bin)
    if write_if_changed "$SP_DIR/saml-sp.json" "$(
        cat <<EOF
{
  "entity_id": "$SP_ENTITY_ID",
  "base_url": "$SP_BASE",
  "ecp_consumer_url": "$SP_ECP_CONSUMER",
  "adfs_endpoint": "$SP_ADFS_ENDPOINT",
  "protocol": "$SAML_PROTOCOL",
  "xmlsec1": "$xmlsec1",
  "events_log": "$SP_DIR/saml-sp-events.log",
  "idps": {
    "$K2K_IDP": {"entity_id": "$K2K_IDP_ENTITY_ID", "metadata": "$SAML_DIR/idp-metadata.xml"},
    "$ECP_IDP": {"entity_id": "$ECP_ENTITY_ID", "cert": "$SAML_DIR/ecp-idp-cert.pem"},
    "$ADFS_IDP": {"entity_id": "$ADFS_ENTITY_ID", "cert": "$SAML_DIR/adfs-idp-cert.pem"}
  }
}
EOF
    )"; then changed=0; fi
    if write_if_changed "$SAML_DIR/idp-standin.json" "$(
        cat <<EOF
{
  "xmlsec1": "$xmlsec1",
  "events_log": "$SAML_DIR/idp-standin-events.log",
  "sp_entity_id": "$SP_ENTITY_ID",
  "sp_consumer_url": "$SP_ECP_CONSUMER",
  "wrong_consumer_url": "$ECP_WRONG_CONSUMER",
  "ecp": {
    "entity_id": "$ECP_ENTITY_ID",
    "username": "$ECP_USERNAME",
    "password": "$ECP_PASSWORD",
    "cert": "$SAML_DIR/ecp-idp-cert.pem",
    "key": "$SAML_DIR/ecp-idp-key.pem"
  },
  "adfs": {
    "entity_id": "$ADFS_ENTITY_ID",
    "url": "$ADFS_URL",
    "username": "$ADFS_USERNAME",
    "password": "$ADFS_PASSWORD",
    "relying_parties": ["$SP_ENTITY_ID", "$SP_ADFS_ENDPOINT"],
    "cert": "$SAML_DIR/adfs-idp-cert.pem",
    "key": "$SAML_DIR/adfs-idp-key.pem"
  }
}
EOF
    )"; then changed=0; fi
    return $changed
}

# saml_configure: certificates, the SP's and the stand-ins' configuration.
# Returns 0 if the sp or idp server must be restarted.
saml_configure() {
    saml_certs
    local changed=1
    if write_sp_conf; then changed=0; fi
    if write_saml_standin_confs; then changed=0; fi
    return $changed
}

# saml_metadata: keystone-manage saml_idp_metadata, again when the
# certificate or the [saml] section changed.
saml_metadata() {
    local want marker=$SAML_DIR/.metadata
    want=$( (saml_conf_section; cat "$SAML_DIR/keystone-idp-cert.pem") | sha256sum | cut -d' ' -f1)
    if [[ -s $SAML_DIR/idp-metadata.xml && -f $marker && "$(<"$marker")" == "$want" ]]; then
        return 0
    fi
    "$VENV/bin/keystone-manage" --config-file "$CONF" saml_idp_metadata \
        >"$SAML_DIR/idp-metadata.xml.tmp" 2>>"$DIR/keystone-manage.log" ||
        die "keystone-manage saml_idp_metadata failed (see $DIR/keystone-manage.log)"
    grep -q 'EntityDescriptor' "$SAML_DIR/idp-metadata.xml.tmp" ||
        die "keystone-manage saml_idp_metadata wrote no metadata"
    mv -f "$SAML_DIR/idp-metadata.xml.tmp" "$SAML_DIR/idp-metadata.xml"
    echo "$want" >"$marker"
}

# saml_bootstrap: the SP Keystone's database and keys, once.
saml_bootstrap() {
    [[ -f $SP_DIR/.bootstrapped ]] && return 0
    local t0=$SECONDS owner group
    log "bootstrapping the service provider Keystone in $SP_DIR"
    stop_instances sp
    rm -rf "$SP_DIR/keystone.db" "$SP_DIR/fernet-keys" "$SP_DIR/credential-keys" "$DIR/.saml-seeded"
    mkdir -m 0700 "$SP_DIR/fernet-keys" "$SP_DIR/credential-keys"
    owner=$(id -un)
    group=$(id -gn)
    # As for the main Keystone: the key set-ups beside db_sync.
    local fernet_job cred_job
    KM_CONF=$SP_CONF km fernet_setup --keystone-user "$owner" --keystone-group "$group" &
    fernet_job=$!
    KM_CONF=$SP_CONF km credential_setup --keystone-user "$owner" --keystone-group "$group" &
    cred_job=$!
    KM_CONF=$SP_CONF km db_sync
    wait "$fernet_job" || die "keystone-manage fernet_setup (service provider) failed"
    wait "$cred_job" || die "keystone-manage credential_setup (service provider) failed"
    KM_CONF=$SP_CONF km bootstrap \
        --bootstrap-username admin \
        --bootstrap-password "$ADMIN_PASSWORD" \
        --bootstrap-project-name admin \
        --bootstrap-role-name admin \
        --bootstrap-service-name keystone \
        --bootstrap-region-id RegionOne \
        --bootstrap-public-url "$SP_AUTH_URL"
    touch "$SP_DIR/.bootstrapped"
    log "service provider bootstrapped in $((SECONDS - t0))s"
}

# saml_seed: register the SP in the main Keystone; identity providers,
# mappings, protocols and projects in the SP Keystone.
saml_seed() {
    local marker=$DIR/.saml-seeded
    if [[ -f $marker && -f $SP_DIR/seed.env && "$(<"$marker")" == "$SAML_SEED_VERSION" ]]; then
        return 0
    fi
    log "seeding the SAML federation (service provider $K2K_SP_ID, identity providers)"
    "$VENV/bin/python" "$SAML_SEED" --idp-url "$AUTH_URL" --sp-url "$SP_AUTH_URL" \
        --admin-password "$ADMIN_PASSWORD" --out "$SP_DIR/seed.env" \
        --sp-id "$K2K_SP_ID" --sp-sp-url "$SP_ECP_CONSUMER" --sp-auth-url "$K2K_SP_AUTH_URL" \
        --protocol "$SAML_PROTOCOL" \
        --k2k-idp "$K2K_IDP" --k2k-remote-id "$K2K_IDP_ENTITY_ID" --k2k-project "$K2K_REMOTE_PROJECT" \
        --ecp-idp "$ECP_IDP" --ecp-remote-id "$ECP_ENTITY_ID" \
        --adfs-idp "$ADFS_IDP" --adfs-remote-id "$ADFS_ENTITY_ID" \
        --saml-project "$SAML_PROJECT" ||
        die "seeding the SAML federation failed"
    echo "$SAML_SEED_VERSION" >"$marker"
}

# saml_env: the federation's lines for the env file (NAME=value).
saml_env() {
    [[ -n $(xmlsec1_bin) && -f $SP_DIR/seed.env ]] || return 0
    local -A ids=()
    local k v
    while IFS='=' read -r k v; do
        [[ -n $k ]] && ids[$k]=$v
    done <"$SP_DIR/seed.env"
    printf '%s\n' \
        "KSA_TEST_SP_AUTH_URL=$SP_AUTH_URL" \
        "KSA_TEST_SP_ADMIN_USERNAME=admin" \
        "KSA_TEST_SP_ADMIN_PASSWORD=$ADMIN_PASSWORD" \
        "KSA_TEST_SP_ADMIN_PROJECT=admin" \
        "KSA_TEST_K2K_SP_ID=$K2K_SP_ID" \
        "KSA_TEST_K2K_SP_URL=$SP_ECP_CONSUMER" \
        "KSA_TEST_K2K_SP_AUTH_URL=$K2K_SP_AUTH_URL" \
        "KSA_TEST_K2K_REMOTE_PROJECT=$K2K_REMOTE_PROJECT" \
        "KSA_TEST_K2K_REMOTE_PROJECT_ID=${ids[KSA_TEST_K2K_REMOTE_PROJECT_ID]}" \
        "KSA_TEST_K2K_IDP=$K2K_IDP" \
        "KSA_TEST_K2K_IDP_ENTITY_ID=$K2K_IDP_ENTITY_ID" \
        "KSA_TEST_SAML_PROTOCOL=$SAML_PROTOCOL" \
        "KSA_TEST_SAML_PROJECT=$SAML_PROJECT" \
        "KSA_TEST_SAML_PROJECT_ID=${ids[KSA_TEST_SAML_PROJECT_ID]}" \
        "KSA_TEST_SAML_SP_ENTITY_ID=$SP_ENTITY_ID" \
        "KSA_TEST_SAML_SP_EVENTS=$SP_DIR/saml-sp-events.log" \
        "KSA_TEST_SAML_IDP_EVENTS=$SAML_DIR/idp-standin-events.log" \
        "KSA_TEST_ECP_IDP=$ECP_IDP" \
        "KSA_TEST_ECP_IDP_ENTITY_ID=$ECP_ENTITY_ID" \
        "KSA_TEST_ECP_IDP_URL=$ECP_URL" \
        "KSA_TEST_ECP_IDP_URL_WRONG_CONSUMER=$ECP_URL_WRONG_CONSUMER" \
        "KSA_TEST_ECP_WRONG_CONSUMER_URL=$ECP_WRONG_CONSUMER" \
        "KSA_TEST_ECP_USERNAME=$ECP_USERNAME" \
        "KSA_TEST_ECP_PASSWORD=$ECP_PASSWORD" \
        "KSA_TEST_ADFS_IDP=$ADFS_IDP" \
        "KSA_TEST_ADFS_IDP_ENTITY_ID=$ADFS_ENTITY_ID" \
        "KSA_TEST_ADFS_URL=$ADFS_URL" \
        "KSA_TEST_ADFS_SP_ENDPOINT=$SP_ADFS_ENDPOINT" \
        "KSA_TEST_ADFS_SP_ENTITY_ID=$SP_ENTITY_ID" \
        "KSA_TEST_ADFS_USERNAME=$ADFS_USERNAME" \
        "KSA_TEST_ADFS_PASSWORD=$ADFS_PASSWORD" \
        "KSA_TEST_KEYSTONE_SP_ACCESS_LOG=$(accesslog sp)"
}
