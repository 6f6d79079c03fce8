// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package collect

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

const (
	// javaVersionTimeout bounds one "java -version".
	javaVersionTimeout = 10 * time.Second
	// javaSearchDepth is how deep below a search directory Java homes are
	// looked for: /opt/jdk-17 is one level, /opt/java/openjdk two.
	javaSearchDepth = 2
	// javaApplicationType is the ApplicationType of Java installations.
	javaApplicationType = "Java"
)

// javaInstall is one Java installation.
type javaInstall struct {
	Home      string // the machine's real path of the Java home
	Product   string // "Eclipse Temurin", "OpenJDK"
	Publisher string
	Version   string // "17.0.2", "1.8.0_381"
	Kind      string // "JDK" or "JRE"
	Arch      string
}

// entry returns j as an AWS:Application entry. AWS:Application has no path
// attribute, so the Java home goes in Summary.
func (j javaInstall) entry() map[string]string {
	return entry(
		"Name", j.Product+" "+j.Kind,
		"ApplicationType", javaApplicationType,
		"Publisher", j.Publisher,
		"Version", j.Version,
		"Architecture", formatArchitecture(j.Arch),
		"Summary", j.Home,
	)
}

// javaExe is the name of the java launcher.
func javaExe() string {
	if runtime.GOOS == "windows" {
		return "java.exe"
	}
	return "java"
}

// javaApplications returns the Java installations found by every route
// (see the package documentation), each once.
func (c *collector) javaApplications(ctx context.Context) []map[string]string {
	seen := map[string]bool{}
	var apps []map[string]string
	for _, home := range c.javaCandidates() {
		if ctx.Err() != nil {
			return apps
		}
		real, err := c.realPath(home)
		if err != nil || seen[real] {
			continue
		}
		seen[real] = true
		if j, ok := c.identifyJava(ctx, real); ok {
			apps = append(apps, j.entry())
		}
	}
	return apps
}

// javaCandidates returns the directories that may be Java homes, as the
// machine's paths, in the order they are considered.
func (c *collector) javaCandidates() []string {
	var homes []string
	if h := c.getenv("JAVA_HOME"); h != "" && filepath.IsAbs(h) {
		homes = append(homes, filepath.Clean(h))
	}
	var launchers []string
	if runtime.GOOS != "windows" {
		launchers = append(launchers, "/etc/alternatives/java")
	}
	for _, dir := range filepath.SplitList(c.getenv("PATH")) {
		if filepath.IsAbs(dir) {
			launchers = append(launchers, filepath.Join(dir, javaExe()))
		}
	}
	for _, l := range launchers {
		if bin, err := c.realPath(l); err == nil {
			if h, ok := c.javaHomeOfLauncher(bin); ok {
				homes = append(homes, h)
			}
		}
	}
	for _, dir := range append(c.javaSearchDirs(), c.cfg.JavaSearchPaths...) {
		if filepath.IsAbs(dir) {
			homes = c.scanJavaHomes(filepath.Clean(dir), javaSearchDepth, homes)
		}
	}
	return homes
}

// javaSearchDirs returns the platform's usual places for Java homes.
func (c *collector) javaSearchDirs() []string {
	if runtime.GOOS != "windows" {
		return []string{"/usr/lib/jvm", "/usr/lib64/jvm", "/usr/java", "/usr/local/java", "/opt"}
	}
	var dirs []string
	for _, v := range []string{"ProgramFiles", "ProgramW6432", "ProgramFiles(x86)"} {
		if d := c.getenv(v); d != "" {
			dirs = append(dirs, d)
		}
	}
	if len(dirs) == 0 {
		dirs = []string{`C:\Program Files`, `C:\Program Files (x86)`}
	}
	return dirs
}

// javaHomeOfLauncher returns the Java home of the launcher at bin (a real
// path): the directory above bin/, or above jre/bin/ for a Java 8 JDK.
func (c *collector) javaHomeOfLauncher(bin string) (string, bool) {
	dir := filepath.Dir(bin)
	if filepath.Base(dir) != "bin" {
		return "", false
	}
	home := filepath.Dir(dir)
	if filepath.Base(home) == "jre" && c.looksLikeJavaHome(filepath.Dir(home)) {
		home = filepath.Dir(home)
	}
	return home, true
}

// scanJavaHomes appends to homes dir, if it looks like a Java home, or else
// what it finds below dir, down to depth levels.
func (c *collector) scanJavaHomes(dir string, depth int, homes []string) []string {
	if c.looksLikeJavaHome(dir) {
		return append(homes, dir)
	}
	if depth == 0 {
		return homes
	}
	ents, err := os.ReadDir(c.hostPath(dir))
	if err != nil {
		return homes
	}
	for _, e := range ents {
		if e.IsDir() || e.Type()&os.ModeSymlink != 0 {
			homes = c.scanJavaHomes(filepath.Join(dir, e.Name()), depth-1, homes)
		}
	}
	return homes
}

// looksLikeJavaHome reports whether dir has a Java release file or a java
// launcher.
func (c *collector) looksLikeJavaHome(dir string) bool {
	if _, ok := c.readJavaRelease(dir)["JAVA_VERSION"]; ok {
		return true
	}
	return c.isFile(filepath.Join(dir, "bin", javaExe()))
}

// isFile reports whether the machine's path p, with links resolved inside
// Root, is a regular file.
func (c *collector) isFile(p string) bool {
	real, err := c.realPath(p)
	if err != nil {
		return false
	}
	fi, err := os.Stat(c.hostPath(real))
	return err == nil && fi.Mode().IsRegular()
}

// readJavaRelease reads the release file of the Java home dir: lines
// KEY="value". It returns nil if there is none.
func (c *collector) readJavaRelease(dir string) map[string]string {
	real, err := c.realPath(filepath.Join(dir, "release"))
	if err != nil {
		return nil
	}
	f, err := os.Open(c.hostPath(real))
	if err != nil {
		return nil
	}
	defer f.Close()
	m := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if uq, err := strconv.Unquote(v); err == nil {
			v = uq
		} else {
			v = strings.Trim(v, `"`)
		}
		m[strings.TrimSpace(k)] = v
	}
	return m
}

// identifyJava identifies the Java installation at home (a real path),
// from its release file or, failing that, from what its launcher prints
// for "java -version".
func (c *collector) identifyJava(ctx context.Context, home string) (javaInstall, bool) {
	j := javaInstall{Home: home, Kind: c.javaKind(home, "")}
	launcher := filepath.Join(home, "bin", javaExe())
	if rel := c.readJavaRelease(home); rel["JAVA_VERSION"] != "" {
		j.Version = rel["JAVA_VERSION"]
		j.Arch = rel["OS_ARCH"]
		j.Kind = c.javaKind(home, rel["IMAGE_TYPE"])
		switch {
		case rel["GRAALVM_VERSION"] != "":
			j.Product, j.Publisher = "GraalVM", rel["IMPLEMENTOR"]
		case rel["IMPLEMENTOR"] == "Oracle Corporation":
			// Oracle ships both Oracle Java SE and OpenJDK builds under
			// this name; only the launcher tells them apart.
			j.Product, j.Publisher = "Oracle Java SE", rel["IMPLEMENTOR"]
			if rel["BUILD_TYPE"] != "commercial" && c.isFile(launcher) {
				if out, err := c.javaVersionOutput(ctx, launcher); err == nil && strings.HasPrefix(javaVersionLine(out), "openjdk ") {
					j.Product = "Oracle OpenJDK"
				}
			}
		default:
			j.Product, j.Publisher = javaVendor(rel["IMPLEMENTOR"] + " " + rel["IMPLEMENTOR_VERSION"])
			if j.Publisher == "" {
				j.Publisher = rel["IMPLEMENTOR"]
			}
		}
		return j, true
	}
	if !c.isFile(launcher) {
		return javaInstall{}, false
	}
	var ok bool
	out, err := c.javaVersionOutput(ctx, launcher)
	if err != nil {
		return javaInstall{}, false
	}
	if j.Version, j.Product, j.Publisher, ok = parseJavaVersion(out); !ok {
		return javaInstall{}, false
	}
	return j, true
}

// parseJavaVersion parses what "java -version" prints: the version from
// the line `openjdk version "11.0.21" 2023-10-17` or `java version
// "1.8.0_381"`, and the vendor from the lines that follow (see javaVendor).
func parseJavaVersion(out string) (version, product, publisher string, ok bool) {
	line := javaVersionLine(out)
	_, v, ok := strings.Cut(line, ` version "`)
	if !ok {
		return "", "", "", false
	}
	if version, _, _ = strings.Cut(v, `"`); version == "" {
		return "", "", "", false
	}
	product, publisher = javaVendor(out)
	if product == "OpenJDK" && !strings.HasPrefix(line, "openjdk ") {
		product = "Java" // a "java version" line without a known vendor
	}
	return version, product, publisher, true
}

// javaKind returns "JDK" or "JRE": the release file's IMAGE_TYPE if it has
// one, or else whether home has a compiler.
func (c *collector) javaKind(home, imageType string) string {
	switch t := strings.ToUpper(imageType); t {
	case "JDK", "JRE":
		return t
	}
	javac := "javac"
	if runtime.GOOS == "windows" {
		javac = "javac.exe"
	}
	if c.isFile(filepath.Join(home, "bin", javac)) {
		return "JDK"
	}
	return "JRE"
}

// javaVersionOutput runs the launcher (a real machine path) with -version
// and returns what it printed; java prints its version on stderr.
func (c *collector) javaVersionOutput(ctx context.Context, launcher string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, javaVersionTimeout)
	defer cancel()
	real, err := c.realPath(launcher)
	if err != nil {
		return "", err
	}
	out, err := exec.CommandContext(ctx, c.hostPath(real), "-version").CombinedOutput()
	if err != nil && javaVersionLine(string(out)) == "" {
		return "", err
	}
	return string(out), nil
}

// javaVersionLine returns the line of java -version's output that gives
// the version, such as `openjdk version "11.0.21" 2023-10-17` or
// `java version "1.8.0_381"`, skipping lines such as "Picked up
// JAVA_TOOL_OPTIONS".
func javaVersionLine(out string) string {
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if strings.Contains(line, ` version "`) {
			return line
		}
	}
	return ""
}

// javaVendor names the product and publisher of a Java build from text
// that names its vendor: a release file's IMPLEMENTOR and
// IMPLEMENTOR_VERSION, or java -version's output. Builds that name no
// known vendor (Debian's, Ubuntu's, most Linux distributions') are
// "OpenJDK" with no publisher.
func javaVendor(s string) (product, publisher string) {
	has := func(subs ...string) bool {
		for _, sub := range subs {
			if strings.Contains(s, sub) {
				return true
			}
		}
		return false
	}
	switch {
	case has("Temurin", "Adoptium"):
		return "Eclipse Temurin", "Eclipse Adoptium"
	case has("AdoptOpenJDK"):
		return "AdoptOpenJDK", "AdoptOpenJDK"
	case has("Corretto", "Amazon.com"):
		return "Amazon Corretto", "Amazon.com Inc."
	case has("Zulu", "Azul"):
		return "Azul Zulu", "Azul Systems, Inc."
	case has("Liberica", "BellSoft"):
		return "BellSoft Liberica", "BellSoft"
	case has("Microsoft"):
		return "Microsoft Build of OpenJDK", "Microsoft"
	case has("Red_Hat", "Red Hat"):
		return "Red Hat build of OpenJDK", "Red Hat, Inc."
	case has("Semeru", "OpenJ9", "IBM"):
		return "IBM Semeru", "IBM Corporation"
	case has("SapMachine", "SAP SE"):
		return "SapMachine", "SAP SE"
	case has("GraalVM"):
		return "GraalVM", "Oracle Corporation"
	case has("Java(TM)"):
		return "Oracle Java SE", "Oracle Corporation"
	case has("Oracle Corporation"):
		return "Oracle OpenJDK", "Oracle Corporation"
	}
	return "OpenJDK", ""
}
