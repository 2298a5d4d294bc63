"""Regenerates the JSON fixtures of this folder from keystoneauth1's own
test fixtures (keystoneauth1 5.18.1, Apache-2.0).

Run by hand, once, with keystoneauth1 (and os-service-types, requests,
iso8601, stevedore) importable:

    python3 generate.py

The tests never run this: they read the JSON files it wrote. Random ids of
keystoneauth1's fixture builders come from a counter (uuid4 is replaced),
and timestamps are fixed, so the output is the same on every run.
"""

import datetime
import json
import os
import uuid

_counter = [0]


def _uuid4():
    _counter[0] += 1
    return uuid.UUID(int=_counter[0])


uuid.uuid4 = _uuid4

from keystoneauth1 import _utils  # noqa: E402
from keystoneauth1 import fixture  # noqa: E402
from keystoneauth1.tests.unit import client_fixtures  # noqa: E402
from keystoneauth1.tests.unit import test_discovery as td  # noqa: E402

NOW = datetime.datetime(2030, 1, 1, 12, 0, 0)
_utils.before_utcnow = lambda **kw: NOW - datetime.timedelta(**kw)

HERE = os.path.dirname(os.path.abspath(__file__))


def dump(name, data):
    with open(os.path.join(HERE, name), 'w') as f:
        json.dump(data, f, indent=1, sort_keys=True, default=str)
        f.write('\n')


def reset():
    _counter[0] = 0


# ---- test_v3_service_catalog.py -------------------------------------------
def v3_catalog_setup():
    # ServiceCatalogTest.setUp
    body = fixture.V3Token(audit_chain_id=uuid.uuid4().hex)
    body.set_project_scope()
    body.add_role(name='admin')
    body.add_role(name='member')
    s = body.add_service('compute', name='nova')
    s.add_standard_endpoints(
        public='https://compute.north.host/novapi/public',
        internal='https://compute.north.host/novapi/internal',
        admin='https://compute.north.host/novapi/admin',
        region='North',
    )
    s = body.add_service('object-store', name='swift')
    s.add_standard_endpoints(
        public='http://swift.north.host/swiftapi/public',
        internal='http://swift.north.host/swiftapi/internal',
        admin='http://swift.north.host/swiftapi/admin',
        region='South',
    )
    s = body.add_service('image', name='glance')
    s.add_standard_endpoints(
        public='http://glance.north.host/glanceapi/public',
        internal='http://glance.north.host/glanceapi/internal',
        admin='http://glance.north.host/glanceapi/admin',
        region='North',
    )
    s.add_standard_endpoints(
        public='http://glance.south.host/glanceapi/public',
        internal='http://glance.south.host/glanceapi/internal',
        admin='http://glance.south.host/glanceapi/admin',
        region='South',
    )
    s = body.add_service('block-storage', name='cinder')
    s.add_standard_endpoints(
        public='http://cinder.north.host/cinderapi/public',
        internal='http://cinder.north.host/cinderapi/internal',
        admin='http://cinder.north.host/cinderapi/admin',
        region='North',
    )
    s = body.add_service('volumev2', name='cinder')
    s.add_standard_endpoints(
        public='http://cinder.south.host/cinderapi/public/v2',
        internal='http://cinder.south.host/cinderapi/internal/v2',
        admin='http://cinder.south.host/cinderapi/admin/v2',
        region='South',
    )
    s = body.add_service('volumev3', name='cinder')
    s.add_standard_endpoints(
        public='http://cinder.south.host/cinderapi/public/v3',
        internal='http://cinder.south.host/cinderapi/internal/v3',
        admin='http://cinder.south.host/cinderapi/admin/v3',
        region='South',
    )
    return body


def v3_catalogs():
    out = {}
    reset()
    out['setUp'] = v3_catalog_setup()

    reset()
    # test_service_catalog_without_name
    f = fixture.V3Token(audit_chain_id=uuid.uuid4().hex)
    f.set_project_scope()
    f.add_role(name='admin')
    f.add_role(name='member')
    region = 'RegionOne'
    tenant = '225da22d3ce34b15877ea70b2a575f58'
    s = f.add_service('volume')
    s.add_standard_endpoints(
        public=f'http://public.com:8776/v1/{tenant}',
        internal=f'http://internal:8776/v1/{tenant}',
        admin=f'http://admin:8776/v1/{tenant}',
        region=region,
    )
    s = f.add_service('image')
    s.add_standard_endpoints(
        public='http://public.com:9292/v1',
        internal='http://internal:9292/v1',
        admin='http://admin:9292/v1',
        region=region,
    )
    s = f.add_service('compute')
    s.add_standard_endpoints(
        public=f'http://public.com:8774/v2/{tenant}',
        internal=f'http://internal:8774/v2/{tenant}',
        admin=f'http://admin:8774/v2/{tenant}',
        region=region,
    )
    s = f.add_service('ec2')
    s.add_standard_endpoints(
        public='http://public.com:8773/services/Cloud',
        internal='http://internal:8773/services/Cloud',
        admin='http://admin:8773/services/Admin',
        region=region,
    )
    s = f.add_service('identity')
    s.add_standard_endpoints(
        public='http://public.com:5000/v3',
        internal='http://internal:5000/v3',
        admin='http://admin:35357/v3',
        region=region,
    )
    out['test_service_catalog_without_name'] = f

    reset()
    token = fixture.V3Token()
    token.set_project_scope()
    for i in range(3):
        s = token.add_service('compute')
        s.add_standard_endpoints(
            public=f'public-{i}',
            admin=f'admin-{i}',
            internal=f'internal-{i}',
            region=f'region-{i}',
        )
    out['test_service_catalog_multiple_service_types'] = token

    reset()
    token = fixture.V3Token()
    token.set_project_scope()
    service_id = uuid.uuid4().hex
    endpoint_id = uuid.uuid4().hex
    public_url = uuid.uuid4().hex
    s = token.add_service('compute', id=service_id)
    s.add_endpoint('public', public_url, id=endpoint_id)
    s.add_endpoint('public', uuid.uuid4().hex)
    out['test_service_catalog_endpoint_id'] = {
        'token': token,
        'service_id': service_id,
        'endpoint_id': endpoint_id,
        'public_url': public_url,
    }

    reset()
    token = fixture.V3Token()
    token.set_project_scope()
    for i in range(0, 3):
        s = token.add_service(uuid.uuid4().hex)
        s.add_endpoint('public', uuid.uuid4().hex)
    out['test_service_catalog_without_service_type'] = token
    dump('v3_service_catalog.json', out)


# ---- test_v2_service_catalog.py -------------------------------------------
def v2_catalogs():
    out = {}
    reset()
    body = fixture.V2Token(
        token_id='ab48a9efdfedb23ty3494',
        expires='2010-11-01T03:32:15-05:00',
        tenant_id='345',
        tenant_name='My Project',
        user_id='123',
        user_name='jqsmith',
        audit_chain_id=uuid.uuid4().hex,
    )
    body.add_role(id='234', name='compute:admin')
    role = body.add_role(id='235', name='object-store:admin')
    role['tenantId'] = '1'
    s = body.add_service('compute', 'Cloud Servers')
    e = s.add_endpoint(
        public='https://compute.north.host/v1/1234',
        internal='https://compute.north.host/v1/1234',
        region='North',
    )
    e['tenantId'] = '1'
    e['versionId'] = '1.0'
    e['versionInfo'] = 'https://compute.north.host/v1.0/'
    e['versionList'] = 'https://compute.north.host/'
    e = s.add_endpoint(
        public='https://compute.north.host/v1.1/3456',
        internal='https://compute.north.host/v1.1/3456',
        region='North',
    )
    e['tenantId'] = '2'
    e['versionId'] = '1.1'
    e['versionInfo'] = 'https://compute.north.host/v1.1/'
    e['versionList'] = 'https://compute.north.host/'
    s = body.add_service('object-store', 'Cloud Files')
    e = s.add_endpoint(
        public='https://swift.north.host/v1/blah',
        internal='https://swift.north.host/v1/blah',
        region='South',
    )
    e['tenantId'] = '11'
    e['versionId'] = '1.0'
    e['versionInfo'] = 'uri'
    e['versionList'] = 'uri'
    e = s.add_endpoint(
        public='https://swift.north.host/v1.1/blah',
        internal='https://compute.north.host/v1.1/blah',
        region='South',
    )
    e['tenantId'] = '2'
    e['versionId'] = '1.1'
    e['versionInfo'] = 'https://swift.north.host/v1.1/'
    e['versionList'] = 'https://swift.north.host/'
    s = body.add_service('image', 'Image Servers')
    s.add_endpoint(
        public='https://image.north.host/v1/',
        internal='https://image-internal.north.host/v1/',
        region='North',
    )
    s.add_endpoint(
        public='https://image.south.host/v1/',
        internal='https://image-internal.south.host/v1/',
        region='South',
    )
    out['setUp'] = body

    reset()
    token = fixture.V2Token()
    token.set_scope()
    for i in range(3):
        s = token.add_service('compute')
        s.add_endpoint(
            public=f'public-{i}',
            admin=f'admin-{i}',
            internal=f'internal-{i}',
            region=f'region-{i}',
        )
    out['test_service_catalog_multiple_service_types'] = token

    reset()
    token = fixture.V2Token()
    token.set_scope()
    endpoint_id = uuid.uuid4().hex
    public_url = uuid.uuid4().hex
    s = token.add_service('compute')
    s.add_endpoint(public=public_url, id=endpoint_id)
    s.add_endpoint(public=uuid.uuid4().hex)
    out['test_service_catalog_endpoint_id'] = {
        'token': token,
        'endpoint_id': endpoint_id,
        'public_url': public_url,
    }

    reset()
    token = fixture.V2Token()
    token.set_scope()
    for i in range(0, 3):
        s = token.add_service(uuid.uuid4().hex)
        s.add_endpoint(public=uuid.uuid4().hex)
    out['test_service_catalog_without_service_type'] = token
    dump('v2_service_catalog.json', out)


# ---- test_v3_access.py ----------------------------------------------------
def v3_access():
    out = {}
    reset()
    out['test_building_unscoped_accessinfo'] = fixture.V3Token()
    for name, scope in (
        ('test_building_system_scoped_assessinfo', 'system'),
        ('test_building_domain_scoped_accessinfo', 'domain'),
        ('test_building_project_scoped_accessinfo', 'project'),
        ('test_building_project_as_domain_scoped_accessinfo', 'is_domain'),
    ):
        reset()
        token = fixture.V3Token()
        if scope == 'system':
            token.set_system_scope()
        elif scope == 'domain':
            token.set_domain_scope()
        elif scope == 'project':
            token.set_project_scope()
        else:
            token.set_project_scope(is_domain=True)
        s = token.add_service(type='identity')
        s.add_standard_endpoints(public='http://url')
        out[name] = token
    reset()
    token = fixture.V3Token()
    token.set_project_scope()
    token.set_oauth(access_token_id='access-token-1', consumer_id='consumer-1')
    out['test_oauth_access'] = token
    reset()
    token = fixture.V3Token()
    token.set_project_scope()
    out['test_federated_property_standard_token'] = token
    reset()
    token = fixture.V3Token()
    token.set_bind('kerberos', 'principal-1')
    out['test_binding'] = token
    reset()
    out['test_is_admin_project_unset'] = fixture.V3Token()
    reset()
    out['test_is_admin_project_true'] = fixture.V3Token(is_admin_project=True)
    reset()
    out['test_is_admin_project_false'] = fixture.V3Token(
        is_admin_project=False
    )
    reset()
    out['client_fixtures.project_scoped_token'] = (
        client_fixtures.project_scoped_token()
    )
    reset()
    out['client_fixtures.domain_scoped_token'] = (
        client_fixtures.domain_scoped_token()
    )
    dump('v3_access.json', out)


# ---- test_v2_access.py ----------------------------------------------------
def v2_access():
    out = {}
    reset()
    out['test_building_unscoped_accessinfo'] = fixture.V2Token(
        expires='2012-10-03T16:58:01Z'
    )
    reset()
    token = fixture.V2Token()
    token.set_scope()
    s = token.add_service('identity')
    s.add_endpoint('http://url')
    token.add_role()
    out['test_building_scoped_accessinfo'] = token
    out['test_diablo_token'] = {
        'access': {
            'token': {
                'id': 'diablo-token-id',
                'expires': '2020-01-01T00:00:10.000123Z',
                'tenantId': 'tenant_id1',
            },
            'user': {
                'id': 'user_id1',
                'name': 'user_name1',
                'roles': [{'name': 'role1'}, {'name': 'role2'}],
            },
        }
    }
    out['test_grizzly_token'] = {
        'access': {
            'token': {
                'id': 'grizzly-token-id',
                'expires': '2020-01-01T00:00:10.000123Z',
            },
            'user': {
                'id': 'user_id1',
                'name': 'user_name1',
                'tenantId': 'tenant_id1',
                'tenantName': 'tenant_name1',
                'roles': [{'name': 'role1'}, {'name': 'role2'}],
            },
        }
    }
    reset()
    token = fixture.V2Token()
    token.set_scope()
    token.add_role(id='a', name='b')
    out['test_v2_roles'] = token
    reset()
    token = fixture.V2Token(user_id='trustee-1', trust_id='trust-1')
    token.set_scope()
    token.add_role()
    out['test_trusts'] = token
    reset()
    token = fixture.V2Token()
    token.set_bind('kerberos', 'principal-1')
    out['test_binding'] = token
    reset()
    out['test_is_admin_project'] = fixture.V2Token()
    dump('v2_access.json', out)


# ---- test_discovery.py ----------------------------------------------------
def discovery():
    reset()
    out = {
        'BASE_URL': td.BASE_URL,
        'V2_URL': td.V2_URL,
        'V3_URL': td.V3_URL,
        'TEST_SERVICE_CATALOG': td.TEST_SERVICE_CATALOG,
        'V3_VERSION_LIST': td.V3_VERSION_LIST,
        'V2_VERSION_LIST': td.V2_VERSION_LIST,
        'V3_VERSION_ENTRY': td.V3_VERSION_ENTRY,
        'V2_VERSION_ENTRY': td.V2_VERSION_ENTRY,
        'CINDER_EXAMPLES': td.CINDER_EXAMPLES,
        'GLANCE_EXAMPLES': td.GLANCE_EXAMPLES,
        'test_version_data_override_version_url': {
            'version': fixture.V3Discovery('http://override/identity/v3')
        },
        'test_allow_unknown': fixture.DiscoveryList(
            td.BASE_URL, v2=False, v3_status='abcdef'
        ),
    }
    dump('discovery.json', json.loads(json.dumps(out, default=str)))


v3_catalogs()
v2_catalogs()
v3_access()
v2_access()
discovery()
