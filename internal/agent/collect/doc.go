// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package collect owns the agent's software inventory collectors: it gathers
// what the SSM agent's aws:softwareInventory plugin gathers, in AWS's
// inventory schemas, ready for PutInventory.
//
// Collect builds one Item per enabled inventory type:
//
//	AWS:InstanceInformation          always
//	AWS:Application                  Set.Applications
//	AWS:AWSComponent                 Set.AWSComponents
//	AWS:Network                      Set.NetworkConfig
//	AWS:Service                      Set.Services
//	AWS:File                         Set.Files (Config.FilePaths)
//	AWS:InstanceDetailedInformation  Set.InstanceDetailedInformation
//	Custom:*                         Set.CustomInventory (Config.CustomInventoryDir)
//
// # Sources
//
// On Linux, applications come from the dpkg database (/var/lib/dpkg/status
// plus its pending updates, read directly; every package whose state is
// "installed", held ones included), the apk database
// (/lib/apk/db/installed, read directly) and rpm (rpm -qa --queryformat, run
// only when the rpm binary and an rpm database exist). On Windows they come
// from the Uninstall registry keys (64-bit, WOW6432Node and every loaded user
// hive), filtered the way Add/Remove Programs and the SSM agent filter them.
// On both, Java installations that package managers miss are added with
// ApplicationType "Java" (see below).
//
// Services come from systemd on Linux (systemctl when systemd is running,
// the unit files otherwise) and from the service control manager on Windows.
// Linux services are described in Windows' words, so that one query reads
// both: Status Running, Stopped, StartPending, StopPending or Failed (Unknown
// when systemd is not running), StartType Automatic (enabled), Manual
// (static, disabled) or Disabled (masked), and dependencies as
// comma-separated service names.
//
// # Version fields
//
// AWS:Application has Version, Release and Epoch. rpm packages fill all three
// from %{VERSION}, %{RELEASE} and %{EPOCH}, as the SSM agent does. dpkg and
// apk packages report their full version string verbatim in Version (for
// dpkg "[epoch:]upstream[-revision]", exactly what dpkg-query prints for
// ${Version}) and leave Release and Epoch empty: that is what the SSM agent
// sends for Debian and Ubuntu, so inventory queries written against AWS keep
// working, and the package's exact version stays recoverable from Version
// alone. Beyond the SSM agent, dpkg packages get an InstalledTime: when
// their file list was last written, that is when they were last installed
// or upgraded.
//
// # Java
//
// Java installations are searched for in JAVA_HOME, the target of
// /etc/alternatives/java, every java on PATH, /usr/lib/jvm, /usr/lib64/jvm,
// /usr/java, /usr/local/java and /opt (two levels deep), and
// Config.JavaSearchPaths (on Windows: JAVA_HOME, PATH and two levels under
// Program Files). A directory is a Java home if it has a "release" file with
// JAVA_VERSION, or else a bin/java that answers "java -version" (run with a
// timeout). Homes reached by several routes are reported once, by their real
// path. Each is reported as Name "<vendor product> JDK|JRE" (for example
// "Eclipse Temurin JDK" or "OpenJDK JRE"), Publisher the vendor, Version the
// Java version ("17.0.2", "1.8.0_381"), and, since AWS:Application has no
// path attribute, Summary the Java home's path.
//
// # Limits
//
// As the SSM agent: AWS:File reads at most 500 files over all FilePaths and
// scans at most 5000 directories per path (FileSpec.DirScanLimit overrides
// it); past either limit the type fails as a whole rather than send a
// partial list. At most 20 custom inventory files are read; each must have a
// TypeName of at most 100 characters starting with "Custom:", a SchemaVersion
// like "1.0", and entries of at most 50 string attributes with names of at
// most 64 and values of at most 4096 characters. As PutInventory requires,
// an item holds at most 10000 entries and 3 MiB of JSON; AWS attribute
// values longer than 4096 bytes are truncated.
//
// # Content hashes
//
// Every Item carries a ContentHash computed by ContentHash from its Content
// alone (never its CaptureTime), so unchanged inventory hashes the same on
// every run; Changed picks the items whose hash differs from the last ones
// sent, so the agent sends a type only when it changed.
package collect
