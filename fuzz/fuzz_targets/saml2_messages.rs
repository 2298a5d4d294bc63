//! The SAML2 ECP and WS-Trust messages the SAML plugins read from service
//! and identity providers (`PaosRequest`, `EcpResponse`,
//! `WsTrustResponse`) and SOAP faults: parsing, and the byte splicing of
//! what goes on to the next server.
#![no_main]

use keystoneauth::identity::v3::{EcpResponse, PaosRequest, SoapFault, WsTrustResponse};
use keystoneauth::secrecy::ExposeSecret;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match PaosRequest::parse(data, "http://sp:5000/v3") {
        Ok(request) => {
            let _ = (request.response_consumer_url(), format!("{request:?}"));
            assert!(request.authn_request().len() <= data.len(), "the header was not removed");
            if let Some(relay) = request.relay_state() {
                assert!(relay.starts_with('<') && relay.ends_with('>'), "{relay:?}");
            }
        }
        Err(e) => {
            let _ = (e.to_string(), format!("{e:?}"));
        }
    }
    match EcpResponse::parse(data, "http://idp/ecp") {
        Ok(response) => {
            let _ = (response.assertion_consumer_service_url(), format!("{response:?}"));
            assert_eq!(response.for_service_provider(None).expose_secret().as_bytes(), data);
            let relay = "<ecp:RelayState xmlns:ecp=\"urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp\">r</ecp:RelayState>";
            let spliced = response.for_service_provider(Some(relay));
            assert!(spliced.expose_secret().contains(relay));
        }
        Err(e) => {
            let _ = (e.to_string(), format!("{e:?}"), SoapFault::find(&e));
        }
    }
    match WsTrustResponse::parse(data, "http://adfs/adfs/services/trust/13/usernamemixed") {
        Ok(response) => {
            let _ = (response.wresult().expose_secret().len(), format!("{response:?}"));
        }
        Err(e) => {
            let _ = (e.to_string(), format!("{e:?}"));
        }
    }
    if let Some(fault) = SoapFault::parse(data) {
        let _ = (fault.to_string(), fault.code(), fault.subcode(), fault.reason());
        assert!(fault.code().len() <= 512 + 3, "an unbounded fault code");
    }
});
