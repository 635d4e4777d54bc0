//! Reading the checked document parameter by parameter, through each parameter's
//! declaration (its keys, its kind's wording for a refused value, its default).

use serde_json::Value as Json;

use super::Findings;
use super::schema_check::{Field, refused};
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::model::Port;
use crate::model::parameters::{self, Parameter, Values};
use crate::path::Path;

/// The checked document, read parameter by parameter. The schema check removed every value it
/// refused, so a value here has its kind's JSON type.
pub(crate) struct Reader<'d, 'f, 'a> {
    pub(super) document: &'d Json,
    pub(crate) findings: &'f mut Findings<'a>,
}

impl<'d> Reader<'d, '_, '_> {
    /// The value written for `parameter`, if any.
    pub(crate) fn given(&self, parameter: &Parameter) -> Option<&'d Json> {
        parameter
            .keys
            .iter()
            .try_fold(self.document, |value, key| value.get(key))
    }

    /// The text written for `parameter`.
    pub(super) fn text(&self, parameter: &Parameter) -> Option<&'d str> {
        self.given(parameter).and_then(Json::as_str)
    }

    /// Whether `parameter` (or a value above it) has a problem already.
    pub(crate) fn is_reported(&self, parameter: &Parameter) -> bool {
        self.findings.is_reported(&parameter.segments())
    }

    /// Reports the value written for `parameter` as refused, in its kind's words.
    pub(super) fn refuse(
        &mut self,
        parameter: &Parameter,
        segments: &[String],
        value: Option<&Json>,
    ) {
        if self.findings.is_reported(segments) {
            return;
        }
        let quotable = !self.findings.is_from_macro(segments);
        let problem = refused(Field::Declared(parameter.kind), value, quotable);
        self.findings.problem(problem, segments, false);
    }

    /// Records a problem at `parameter` unless one is there already.
    pub(crate) fn fail(
        &mut self,
        parameter: &Parameter,
        kind: DiagnosticKind,
        message: impl Into<String>,
        hint: &str,
    ) {
        fail_at(self.findings, &parameter.segments(), kind, message, hint);
    }
}

impl Values for Reader<'_, '_, '_> {
    fn flag(&mut self, parameter: &Parameter) -> Option<bool> {
        match self.given(parameter) {
            Some(value) => value.as_bool(),
            None => match parameter.default {
                parameters::DefaultValue::Flag(flag) => Some(flag),
                _ => Some(false),
            },
        }
    }

    fn port(&mut self, parameter: &Parameter) -> Option<Option<Port>> {
        let value = match self.given(parameter) {
            Some(value) => value.as_u64(),
            None => match parameter.default {
                parameters::DefaultValue::Integer(value) => Some(u64::from(value)),
                _ => return Some(None),
            },
        };
        let port = value
            .and_then(|value| u16::try_from(value).ok())
            .and_then(Port::new);
        if port.is_none() {
            let given = self.given(parameter);
            self.refuse(parameter, &parameter.segments(), given);
        }
        port.map(Some)
    }
}

/// Records a problem at `segments` unless one is there already.
pub(super) fn fail_at(
    findings: &mut Findings<'_>,
    segments: &[String],
    kind: DiagnosticKind,
    message: impl Into<String>,
    hint: &str,
) {
    if findings.is_reported(segments) {
        return;
    }
    findings.problem(
        Diagnostic::new(kind, Path::root(), message).with_hint(hint),
        segments,
        false,
    );
}
