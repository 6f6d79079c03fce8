// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package association owns State Manager associations: a document bound
// to targets, with parameters, rate control and a schedule (rate, cron or
// at expressions, computed in UTC); their versions; and their executions,
// each a Run Command command on the targets, whose status follows the
// command's. The scheduler that every server runs claims due associations
// through the database, so that each run happens once whatever the
// number of servers; it also runs an association on instances that come
// to match its targets.
package association
