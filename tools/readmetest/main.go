// Command readmetest runs the fenced shell blocks of a Markdown file in
// order, in one bash session, against a running platform, and compares
// what they print with the output the file shows. tools/readme-test.sh
// starts the platform and calls it; see that script for the conventions.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "readmetest:", err)
		os.Exit(1)
	}
}

// block is one fenced block to run.
type block struct {
	line    int    // where its fence opens in the file
	console bool   // a console block: "$ " commands, each followed by its output
	figures bool   // marked "figures vary": numbers and bars are masked
	text    string // an sh block's text
	steps   []step // a console block's commands
}

type step struct{ command, output string }

const (
	skipMark    = "<!-- readme-test: skip"
	figuresMark = "<!-- readme-test: figures vary -->"
)

// parse finds the sh and console blocks of a Markdown text.
func parse(md string) []block {
	var blocks []block
	lines := strings.Split(md, "\n")
	prev := ""
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		lang, ok := strings.CutPrefix(l, "```")
		if !ok || (lang != "sh" && lang != "console") {
			if strings.TrimSpace(l) != "" {
				prev = strings.TrimSpace(l)
			}
			if ok { // another language's block: skip to its end
				for i++; i < len(lines) && lines[i] != "```"; i++ {
				}
			}
			continue
		}
		start := i + 1
		var body []string
		for i++; i < len(lines) && lines[i] != "```"; i++ {
			body = append(body, lines[i])
		}
		b := block{line: start, console: lang == "console", figures: prev == figuresMark}
		skip := strings.HasPrefix(prev, skipMark)
		prev = ""
		if skip {
			continue
		}
		if !b.console {
			b.text = strings.Join(body, "\n")
			blocks = append(blocks, b)
			continue
		}
		for k := 0; k < len(body); k++ {
			cmd, ok := strings.CutPrefix(body[k], "$ ")
			if !ok {
				continue
			}
			for strings.HasSuffix(cmd, "\\") && k+1 < len(body) {
				k++
				cmd += "\n" + body[k]
			}
			var out []string
			for k+1 < len(body) && !strings.HasPrefix(body[k+1], "$ ") {
				k++
				out = append(out, body[k])
			}
			b.steps = append(b.steps, step{command: cmd, output: strings.Join(out, "\n")})
		}
		blocks = append(blocks, b)
	}
	return blocks
}

var (
	ids      = regexp.MustCompile(`\b([a-z]+)/[a-z0-9]{16,}\b`)
	times    = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?`)
	seconds  = regexp.MustCompile(`\b\d+(\.\d+)? s\b`)
	tokens   = regexp.MustCompile(`eyJ[A-Za-z0-9_.-]+`)
	codes    = regexp.MustCompile(`\bcode [A-Z0-9-]{6,}`)
	numbers  = regexp.MustCompile(`\d+(\.\d+)?`)
	bars     = regexp.MustCompile(`[*#]+`)
	spaces   = regexp.MustCompile(`[ \t]+`)
	progress = regexp.MustCompile(`(?m)^.*\r`)
)

// mask hides what differs from run to run: ids, times, durations, tokens,
// reward codes, and with figures also every number and the bars' lengths.
func mask(s string, figures bool) string {
	s = progress.ReplaceAllString(s, "")
	s = ids.ReplaceAllString(s, "$1/ID")
	s = times.ReplaceAllString(s, "TIME")
	s = seconds.ReplaceAllString(s, "N s")
	s = tokens.ReplaceAllString(s, "TOKEN")
	s = codes.ReplaceAllString(s, "code CODE")
	if figures {
		s = numbers.ReplaceAllString(s, "N")
		s = bars.ReplaceAllString(s, "*")
		s = spaces.ReplaceAllString(s, "")
	}
	var out []string
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		out = append(out, strings.TrimRight(l, " \t"))
	}
	return strings.Join(out, "\n")
}

// same compares masked outputs line by line; in a line README.md shows,
// "..." stands for any text (what varies and is not worth masking).
func same(want, have string) bool {
	w, h := strings.Split(want, "\n"), strings.Split(have, "\n")
	if len(w) != len(h) {
		return false
	}
	for i := range w {
		if !strings.Contains(w[i], "...") {
			if w[i] != h[i] {
				return false
			}
			continue
		}
		parts := strings.Split(w[i], "...")
		for k, p := range parts {
			parts[k] = regexp.QuoteMeta(p)
		}
		if !regexp.MustCompile("^" + strings.Join(parts, ".*") + "$").MatchString(h[i]) {
			return false
		}
	}
	return true
}

// session is one bash process that keeps variables between blocks.
type session struct {
	in   io.WriteCloser
	out  *bufio.Reader
	cmd  *exec.Cmd
	subs *strings.Replacer
}

const endMark = "__README_TEST_END__"

// do runs text in the session and returns what it printed (stdout and
// stderr together) and its exit status. An error-checked block reports
// every failing command: its status is 1 if any failed.
func (s *session) do(text string, checked bool, timeout time.Duration) (string, int, error) {
	text = s.subs.Replace(text)
	var script strings.Builder
	if checked {
		script.WriteString("__rt_failed=0\ntrap '__rt_failed=1; echo \"(failed: $BASH_COMMAND)\"' ERR\n")
	}
	fmt.Fprintf(&script, "{\n%s\n} 2>&1 </dev/null\n__rt_status=$?\n", text)
	if checked {
		script.WriteString("trap - ERR\n[ $__rt_failed = 0 ] || __rt_status=1\n")
	}
	fmt.Fprintf(&script, "echo; echo %s $__rt_status\n", endMark)
	if _, err := io.WriteString(s.in, script.String()); err != nil {
		return "", 0, fmt.Errorf("the shell is gone: %w", err)
	}
	type result struct {
		out    string
		status int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		var b strings.Builder
		for {
			l, err := s.out.ReadString('\n')
			if err != nil {
				done <- result{b.String(), 0, fmt.Errorf("the shell ended: %w", err)}
				return
			}
			if rest, ok := strings.CutPrefix(l, endMark+" "); ok {
				var st int
				fmt.Sscan(rest, &st)
				// The echo before the mark ends a last line without a newline.
				done <- result{strings.TrimSuffix(b.String(), "\n"), st, nil}
				return
			}
			b.WriteString(l)
		}
	}()
	select {
	case r := <-done:
		return r.out, r.status, r.err
	case <-time.After(timeout):
		_ = s.cmd.Process.Kill()
		return "", 0, fmt.Errorf("no end after %s", timeout)
	}
}

func run() error {
	readme := flag.String("readme", "README.md", "the Markdown file")
	data := flag.String("data", "", "the platform's data folder (replaces .data in commands)")
	timeout := flag.Duration("timeout", time.Hour, "longest a block may run")
	flag.Parse()
	md, err := os.ReadFile(*readme)
	if err != nil {
		return err
	}
	// The README's addresses are the local runner's defaults; the platform
	// under test listens on free ports given in the environment.
	var pairs []string
	for env, def := range map[string]string{"CRM_PROFILE_ADDR": "127.0.0.1:50051", "CRM_INTERACTION_ADDR": "127.0.0.1:50052",
		"CRM_SEGMENTATION_ADDR": "127.0.0.1:50053", "CRM_LOYALTY_ADDR": "127.0.0.1:50054"} {
		addr := os.Getenv(env)
		if addr == "" {
			return fmt.Errorf("%s is not set", env)
		}
		pairs = append(pairs, def, addr)
	}
	if *data != "" {
		pairs = append(pairs, ".data/", strings.TrimSuffix(*data, "/")+"/")
	}
	sh := exec.Command("bash", "--noprofile", "--norc")
	sh.Stderr = os.Stderr
	in, err := sh.StdinPipe()
	if err != nil {
		return err
	}
	out, err := sh.StdoutPipe()
	if err != nil {
		return err
	}
	if err := sh.Start(); err != nil {
		return err
	}
	defer func() {
		_ = in.Close()
		_ = sh.Wait()
	}()
	s := &session{in: in, out: bufio.NewReader(out), cmd: sh, subs: strings.NewReplacer(pairs...)}
	failed := 0
	blocks := parse(string(md))
	for _, b := range blocks {
		if !b.console {
			start := time.Now()
			got, status, err := s.do(b.text, true, *timeout)
			if err != nil {
				return fmt.Errorf("%s:%d: %w\n%s", *readme, b.line, err, got)
			}
			if status != 0 {
				failed++
				fmt.Printf("FAIL %s:%d (sh block, %.0f s):\n%s\n", *readme, b.line, time.Since(start).Seconds(), indent(got))
				continue
			}
			fmt.Printf("ok   %s:%d (sh block, %.0f s)\n", *readme, b.line, time.Since(start).Seconds())
			continue
		}
		for _, st := range b.steps {
			start := time.Now()
			got, _, err := s.do(st.command, false, *timeout)
			if err != nil {
				return fmt.Errorf("%s:%d: $ %s: %w\n%s", *readme, b.line, st.command, err, got)
			}
			if want, have := mask(st.output, b.figures), mask(got, b.figures); !same(want, have) {
				failed++
				fmt.Printf("FAIL %s:%d $ %s\n  README shows (masked):\n%s\n  the run printed:\n%s\n", *readme, b.line, st.command, indent(want), indent(got))
				continue
			}
			fmt.Printf("ok   %s:%d $ %s (%.0f s)\n", *readme, b.line, firstLine(st.command), time.Since(start).Seconds())
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of the README's examples differ from what they show or failed", failed)
	}
	fmt.Printf("%d blocks of %s ran as written\n", len(blocks), *readme)
	return nil
}

func indent(s string) string { return "    " + strings.ReplaceAll(s, "\n", "\n    ") }

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
