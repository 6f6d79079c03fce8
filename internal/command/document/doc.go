// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package document owns the language of SSM documents that kanri runs:
// Command documents (schema 2.2, 2.0 and 1.2) and Session documents (schema
// 1.0), written in JSON or YAML. It parses and validates a document's
// content, resolves the parameters a caller passes (SendCommand's
// Parameters), interpolates them into the steps and renders a Plan: the
// concrete steps an agent runs, with no {{ }} reference left. It also ships
// the built-in documents kanri offers under AWS's names.
//
// The flow is Parse, then (*Document).ResolveParameters when a command is
// sent, then (*Document).Render when it is dispatched, with a Resolver that
// reads Parameter Store for the {{ssm:name}} references the document or the
// parameter values contain.
//
// # Interpolation
//
// A parameter is referenced as {{ name }} (spaces inside the braces are
// optional) in any string of a step's inputs. The rules follow SSM Agent's
// parameter replacement:
//
//   - A string that is exactly one reference, "{{ commands }}", takes the
//     parameter's whole value. A StringList so referenced as the whole of an
//     input (runCommand: "{{ commands }}") makes the input that list; as an
//     element of a list (runCommand: ["{{ commands }}", "date"]) its elements
//     are spliced into the surrounding list, one element each.
//   - A reference inside a longer string is replaced by the value's text:
//     a String as is, an Integer or Boolean as its literal, and a StringList,
//     StringMap or MapList as compact JSON (["a","b"]), as SSM Agent does.
//     HTML characters are not escaped in that JSON.
//   - Text in double braces that is neither a parameter name
//     ([a-zA-Z0-9]+) nor a Parameter Store reference, such as docker's
//     {{.Names}}, is left as it is. A reference to a parameter the document
//     does not declare is an InvalidDocumentContent error at Parse.
//   - {{ssm:name}}, {{ssm:name:version}} and {{ssm-secure:name}} are
//     Parameter Store references. They may appear in step inputs, in
//     parameter defaults and in the values a caller passes; Render resolves
//     each through the Resolver it is given, so the caller decides which
//     parameters the requester may read. Values from Parameter Store are
//     inserted as text and not scanned again. A parameter value that holds a
//     reference is checked against its rules after resolution.
//   - A parameter with interpolationType ENV_VAR is interpolated like any
//     other and also given to the step as the environment variable
//     SSM_<name> (PlanStep.Env).
//
// Errors are *awserr.Error values: InvalidDocumentContent (with the path of
// the offending element and its line and column in the source),
// InvalidDocumentSchemaVersion and InvalidParameters.
package document
