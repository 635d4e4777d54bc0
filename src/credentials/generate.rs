//! Making the CA and the server certificate with rcgen (SPEC 4).

use rand_core::Rng;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyIdMethod, KeyUsagePurpose, SanType, SerialNumber,
};
use time::OffsetDateTime;

use super::generator::{Generator, Purpose};
use super::signing::EcdsaP256Key;
use crate::error::{CredentialErrorKind, Error, Result};
use crate::model::{Cluster, HARBOR_NAMESPACE, REGISTRY_HOST};

/// Lifetime of the CA and of the server certificate, in years.
const VALIDITY_YEARS: i32 = 10;

/// Common name of the CA harbor-edge makes.
const CA_COMMON_NAME: &str = "harbor-edge CA";

/// A certificate with its key, PEM-ready.
pub(crate) struct Issued {
    pub(crate) certificate_pem: String,
    pub(crate) key: EcdsaP256Key,
}

/// A fresh CA: ECDSA P-256, 10 years from the generator's validity start.
///
/// `context` separates the random streams of a replacement CA from the first one.
pub(crate) fn generate_ca(
    generator: &mut Generator,
    context: &[u8],
) -> Result<(Issued, CertificateParams)> {
    let key = EcdsaP256Key::generate(&mut generator.rng(Purpose::CaKey, context)?);
    let not_before = generator.validity_start();
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, CA_COMMON_NAME);
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = not_before;
    params.not_after = add_years(not_before, VALIDITY_YEARS);
    params.serial_number = Some(serial(&mut generator.rng(Purpose::CaSerial, context)?));
    params.key_identifier_method = KeyIdMethod::PreSpecified(key.key_identifier());
    let certificate = params.self_signed(&key).map_err(generation_error)?;
    Ok((
        Issued {
            certificate_pem: certificate.pem(),
            key,
        },
        params,
    ))
}

/// A server certificate for the cluster, signed by `issuer`, valid from the generator's
/// validity start (not before the CA's) for 10 years but never past the CA's end.
///
/// `context` separates the random streams of a reissue from the first issue (a reissue names
/// the serial it replaces), so two certificates from one CA never share a serial number.
pub(crate) fn generate_server(
    generator: &mut Generator,
    cluster: &Cluster,
    issuer: &Issuer<'_, &EcdsaP256Key>,
    (ca_not_before, ca_not_after): (OffsetDateTime, OffsetDateTime),
    context: &[u8],
) -> Result<Issued> {
    let key = EcdsaP256Key::generate(&mut generator.rng(Purpose::ServerKey, context)?);
    let not_before = generator.validity_start().max(ca_not_before);
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, REGISTRY_HOST);
    params.distinguished_name = name;
    params.subject_alt_names = subject_alt_names(cluster)?;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    params.not_before = not_before;
    params.not_after = add_years(not_before, VALIDITY_YEARS).min(ca_not_after);
    params.serial_number = Some(serial(&mut generator.rng(Purpose::ServerSerial, context)?));
    params.key_identifier_method = KeyIdMethod::PreSpecified(key.key_identifier());
    let certificate = params.signed_by(&key, issuer).map_err(generation_error)?;
    Ok(Issued {
        certificate_pem: certificate.pem(),
        key,
    })
}

/// The names SPEC 4 lists: the registry host and the in-cluster service names, then the VIP
/// and every node IP.
fn subject_alt_names(cluster: &Cluster) -> Result<Vec<SanType>> {
    let service = "harbor";
    let dns = [
        REGISTRY_HOST.to_owned(),
        service.to_owned(),
        format!("{service}.{HARBOR_NAMESPACE}"),
        format!("{service}.{HARBOR_NAMESPACE}.svc"),
        format!("{service}.{HARBOR_NAMESPACE}.svc.cluster.local"),
    ];
    let mut names = Vec::with_capacity(dns.len() + 1 + cluster.node_ips.len());
    for name in dns {
        let name = name.try_into().map_err(generation_error)?;
        names.push(SanType::DnsName(name));
    }
    names.push(SanType::IpAddress(cluster.vip));
    for ip in &cluster.node_ips {
        if *ip != cluster.vip {
            names.push(SanType::IpAddress(*ip));
        }
    }
    Ok(names)
}

/// A positive 128-bit serial number (RFC 5280: positive, at most 20 octets). The top bit is
/// cleared (positive) and the next one set, so the encoding is always 16 octets long.
pub(crate) fn serial(rng: &mut impl Rng) -> SerialNumber {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    SerialNumber::from_slice(&bytes)
}

/// `years` calendar years later; 29 February becomes 28 February in a non-leap year.
pub(crate) fn add_years(start: OffsetDateTime, years: i32) -> OffsetDateTime {
    let year = start.year() + years;
    start.replace_year(year).unwrap_or_else(|_| {
        start
            .replace_day(28)
            .and_then(|day| day.replace_year(year))
            .unwrap_or(start)
    })
}

fn generation_error(error: rcgen::Error) -> Error {
    Error::credentials(
        CredentialErrorKind::Generation,
        "credentials",
        format!("cannot make a certificate: {error}"),
    )
}

/// An issuer for the existing CA certificate `ca_der`, signing with `key`. rcgen's own
/// `Issuer::from_ca_cert_der` needs its `x509-parser` feature, which in rcgen 0.14.7 drags in
/// ring; the CA's name and key identifier are simple to carry over with x509-parser directly.
/// Each attribute keeps its string type, so the new certificate's issuer name encodes exactly
/// like the CA's subject name (for the CAs harbor-edge makes, and for common others).
pub(crate) fn issuer_from_ca<'a>(
    ca_der: &[u8],
    key: &'a EcdsaP256Key,
) -> std::result::Result<Issuer<'static, &'a EcdsaP256Key>, String> {
    use x509_parser::der_parser::asn1_rs::Tag;
    use x509_parser::extensions::ParsedExtension;

    let (_, cert) = x509_parser::parse_x509_certificate(ca_der)
        .map_err(|error| format!("is not a valid certificate ({error})"))?;
    let mut name = DistinguishedName::new();
    for attribute in cert.subject().iter_attributes() {
        let oid: Vec<u64> = attribute
            .attr_type()
            .iter()
            .ok_or("has a name attribute with an unusual OID")?
            .collect();
        let text = attribute
            .as_str()
            .map_err(|_| "has a name attribute that is not a string")?;
        let value = match attribute.attr_value().tag() {
            Tag::PrintableString => rcgen::DnValue::PrintableString(
                text.try_into()
                    .map_err(|_| "has an invalid PrintableString")?,
            ),
            Tag::Ia5String => {
                rcgen::DnValue::Ia5String(text.try_into().map_err(|_| "has an invalid IA5String")?)
            }
            _ => rcgen::DnValue::Utf8String(text.to_owned()),
        };
        name.push(DnType::from_oid(&oid), value);
    }
    let key_identifier = cert
        .iter_extensions()
        .find_map(|extension| match extension.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(id) => Some(id.0.to_vec()),
            _ => None,
        })
        .unwrap_or_else(|| key.key_identifier());
    let mut params = CertificateParams::default();
    params.distinguished_name = name;
    params.key_identifier_method = KeyIdMethod::PreSpecified(key_identifier);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    Ok(Issuer::new(params, key))
}

/// A fresh CA and a server certificate signed by it: the `harbor-tls` content, CA key included
/// so later runs can reissue from the same CA. `context` is empty for the first generation and
/// names what is replaced otherwise, so a replacement never repeats a key or serial number of
/// the original under the same seed.
pub(crate) fn generate_tls(
    generator: &mut Generator,
    cluster: &Cluster,
    context: &[u8],
) -> Result<super::TlsMaterial> {
    let (ca, ca_params) = generate_ca(generator, context)?;
    let issuer = Issuer::from_params(&ca_params, &ca.key);
    let server = generate_server(
        generator,
        cluster,
        &issuer,
        (ca_params.not_before, ca_params.not_after),
        context,
    )?;
    Ok(super::TlsMaterial {
        certificate_chain: server.certificate_pem,
        private_key: server.key.to_pkcs8_pem()?,
        ca_certificate: ca.certificate_pem,
        ca_private_key: Some(ca.key.to_pkcs8_pem()?),
    })
}
