# Kerberos for the main test Keystone (v3kerberos, v3fedkerb); sourced by
# scripts/keystone, whose DIR, VENV, AUTH_URL, MAIN_PORT, ADMIN_PASSWORD,
# log, die and quote it uses. See docs/keystone-harness.md.
#
# When the MIT Kerberos packages are installed (scripts/kdc install), start
# runs the KDC of scripts/kdc in $DIR/kdc, installs Python's gssapi in
# Keystone's virtualenv, and starts the main server behind the SPNEGO layer
# of scripts/ksa_spnego.py (keystone_wsgi.py) with the keytab of
# HTTP/localhost. Without them Keystone runs as before and the Kerberos
# tests print SKIPPED. KSA_KERBEROS=0 turns it off, =1 makes missing
# packages an error.

KDC_SCRIPT=$SCRIPT_DIR/kdc
KRB_SEED=$SCRIPT_DIR/keystone_seed_kerberos.py
GSSAPI_PKGS=(gssapi==1.9.0 decorator==5.3.1)
KRB_USER=krbuser
KRB_PROJECT=kerberos
KRB_IDP=ksa-kerberos
KRB_PROTOCOL=mapped
KRB_REALM_ATTR=KSA_KRB5_REALM
KRB_SEED_VERSION=1
# Set by kerberos_prepare: whether the main server runs behind SPNEGO, and
# the environment it is started with.
KRB_ENABLED=0
KRB_LAUNCH_ENV=()

kdc() { KSA_KDC_DIR=$DIR/kdc "$KDC_SCRIPT" "$@"; }

install_gssapi() {
    local marker=$VENV/.ksa-gssapi want="${GSSAPI_PKGS[*]}"
    [[ -f $marker && "$(<"$marker")" == "$want" ]] && return 0
    log "installing ${GSSAPI_PKGS[*]} (built against libkrb5-dev)"
    "$VENV/bin/uv" pip install -q --system-certs --python "$VENV/bin/python" "${GSSAPI_PKGS[@]}" >&2 ||
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check "${GSSAPI_PKGS[@]}" >&2 ||
        die "installing ${GSSAPI_PKGS[*]} failed"
    echo "$want" >"$marker"
}

# kerberos_prepare: the KDC, gssapi and the main server's environment.
kerberos_prepare() {
    local want=${KSA_KERBEROS:-auto}
    case $want in 0 | no | off) return 0 ;; esac
    if ! kdc available; then
        [[ $want == auto ]] || die "KSA_KERBEROS=$want, but the Kerberos packages are missing (run scripts/kdc install)"
        log "no MIT Kerberos packages (scripts/kdc install): no SPNEGO layer; the Kerberos tests will print SKIPPED"
        return 0
    fi
    kdc start
    install_gssapi
    local kdc_dir=$DIR/kdc
    KRB_ENABLED=1
    # shellcheck disable=SC2034 # used by scripts/keystone's launch
    KRB_LAUNCH_ENV=(
        KRB5_CONFIG="$kdc_dir/krb5.conf"
        KRB5_KTNAME="FILE:$kdc_dir/http.keytab"
        KRB5RCACHEDIR="$kdc_dir"
        KSA_SPNEGO_FEDERATED_PATHS="/v3/OS-FEDERATION/identity_providers/$KRB_IDP/protocols/$KRB_PROTOCOL/auth"
        KSA_SPNEGO_REALM_ATTR="$KRB_REALM_ATTR"
    )
}

# kerberos_conf_note: a line of keystone.conf that changes when the SPNEGO
# layer comes or goes, so that a running server is restarted.
kerberos_conf_note() {
    if ((KRB_ENABLED)); then
        # The keytab's time: a new realm's keys need a new acceptor.
        echo "# SPNEGO layer (scripts/ksa_spnego.py): keytab $DIR/kdc/http.keytab of $(stat -c %Y "$DIR/kdc/http.keytab")"
    else
        echo "# SPNEGO layer (scripts/ksa_spnego.py): off"
    fi
}

# kerberos_seed: the Kerberos user, project and federation, once per
# bootstrapped database.
kerberos_seed() {
    ((KRB_ENABLED)) || return 0
    local marker=$DIR/.seeded-kerberos want
    want="$KRB_SEED_VERSION $(stat -c %Y "$DIR/.bootstrapped")"
    [[ -f $marker && -f $DIR/seed-kerberos.env && "$(<"$marker")" == "$want" ]] && return 0
    log "seeding the Kerberos user, project and identity provider"
    PYTHONDONTWRITEBYTECODE=1 "$VENV/bin/python" "$KRB_SEED" --url "$AUTH_URL" --state-dir "$DIR" \
        --admin-password "$ADMIN_PASSWORD" --user "$KRB_USER" --project "$KRB_PROJECT" \
        --idp "$KRB_IDP" --protocol "$KRB_PROTOCOL" --realm "$(kdc_realm)" --realm-attr "$KRB_REALM_ATTR" ||
        die "seeding Kerberos failed"
    echo "$want" >"$marker"
}

kdc_realm() { kdc env | sed -n "s/^export KSA_TEST_KRB5_REALM='\(.*\)'$/\1/p"; }

# kerberos_env: the env file's Kerberos lines (none when off).
kerberos_env() {
    ((KRB_ENABLED)) || return 0
    kdc env
    local k v pair
    local -A ids=()
    while IFS='=' read -r k v; do
        [[ -n $k ]] && ids[$k]=$v
    done <"$DIR/seed-kerberos.env"
    for pair in \
        "KSA_TEST_KERBEROS_AUTH_URL=http://localhost:$MAIN_PORT/v3" \
        "KSA_TEST_KERBEROS_USER=$KRB_USER" \
        "KSA_TEST_KERBEROS_USER_ID=${ids[KSA_TEST_KERBEROS_USER_ID]}" \
        "KSA_TEST_KERBEROS_PROJECT=$KRB_PROJECT" \
        "KSA_TEST_KERBEROS_PROJECT_ID=${ids[KSA_TEST_KERBEROS_PROJECT_ID]}" \
        "KSA_TEST_FEDKERB_IDP=$KRB_IDP" \
        "KSA_TEST_FEDKERB_PROTOCOL=$KRB_PROTOCOL"; do
        echo "export ${pair%%=*}=$(quote "${pair#*=}")"
    done
}

kerberos_stop() {
    if [[ -x $KDC_SCRIPT ]]; then kdc stop || true; fi
}
