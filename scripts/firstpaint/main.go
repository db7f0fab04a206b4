//go:build linux && cgo

// Command firstpaint measures a desktop app's start-up from the outside, as a
// user sees it: it starts the command, polls the X display's root window
// every few milliseconds and reports when the screen first shows painted
// content (more distinct colours than a blank window or a window filled with
// its background colour has). Then it waits for the app to go idle, reports
// the resident memory of the process and of its children (WebKit's web and
// network processes), and stops the app.
//
// It is the measuring half of scripts/bench-startup.sh (make bench), which
// runs it on the bare Wails template and on Patchbay in the same run.
//
// Usage: DISPLAY=:N firstpaint [-colours 50] [-idle 3s] [-timeout 60s] -- CMD ARGS...
// Output (stdout, one line): first_paint_ms=… rss_main_kb=… rss_children_kb=… colours=…
package main

/*
#cgo pkg-config: x11
#include <stdlib.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>

// distinct_colours counts distinct pixel values of the root window on a grid
// of every `step`-th pixel, stopping at `limit`; -1 when the image could not
// be read.
static int distinct_colours(Display *d, int step, int limit) {
	Window root = DefaultRootWindow(d);
	XWindowAttributes wa;
	if (!XGetWindowAttributes(d, root, &wa)) return -1;
	XImage *img = XGetImage(d, root, 0, 0, wa.width, wa.height, AllPlanes, ZPixmap);
	if (!img) return -1;
	unsigned long seen[4096];
	int n = 0;
	for (int y = 0; y < wa.height && n < limit; y += step) {
		for (int x = 0; x < wa.width && n < limit; x += step) {
			unsigned long p = XGetPixel(img, x, y);
			int found = 0;
			for (int i = 0; i < n; i++) if (seen[i] == p) { found = 1; break; }
			if (!found) seen[n++] = p;
		}
	}
	XDestroyImage(img);
	return n;
}
*/
import "C"

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

func main() {
	colours := flag.Int("colours", 50, "distinct colours that mean the page has painted")
	idle := flag.Duration("idle", 3*time.Second, "how long to let the app idle after its first paint before reading its memory")
	timeout := flag.Duration("timeout", 60*time.Second, "give up when nothing has painted by then")
	poll := flag.Duration("poll", 10*time.Millisecond, "pause between two screen reads")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: firstpaint [flags] -- CMD ARGS...")
		os.Exit(2)
	}
	if *colours > 4096 {
		*colours = 4096
	}
	name := C.CString(os.Getenv("DISPLAY"))
	defer C.free(unsafe.Pointer(name))
	d := C.XOpenDisplay(name)
	if d == nil {
		fmt.Fprintf(os.Stderr, "firstpaint: cannot open display %q\n", os.Getenv("DISPLAY"))
		os.Exit(2)
	}
	defer C.XCloseDisplay(d)
	if n := int(C.distinct_colours(d, 4, C.int(*colours))); n >= *colours {
		fmt.Fprintf(os.Stderr, "firstpaint: the screen already shows %d colours before the app starts; use a fresh display\n", n)
		os.Exit(2)
	}

	cmd := exec.Command(flag.Arg(0), flag.Args()[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // stop its children with it
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "firstpaint: start %s: %v\n", flag.Arg(0), err)
		os.Exit(2)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}

	var painted time.Duration
	n := 0
	for painted == 0 {
		select {
		case err := <-exited:
			fmt.Fprintf(os.Stderr, "firstpaint: %s exited before painting: %v\n", flag.Arg(0), err)
			os.Exit(1)
		default:
		}
		if n = int(C.distinct_colours(d, 4, C.int(*colours))); n >= *colours {
			painted = time.Since(start)
			break
		}
		if time.Since(start) > *timeout {
			stop()
			fmt.Fprintf(os.Stderr, "firstpaint: nothing painted within %s (%d colours on screen)\n", *timeout, n)
			os.Exit(1)
		}
		time.Sleep(*poll)
	}
	time.Sleep(*idle)
	self, children := rssKB(cmd.Process.Pid)
	stop()
	fmt.Printf("first_paint_ms=%d rss_main_kb=%d rss_children_kb=%d colours=%d\n", painted.Milliseconds(), self, children, n)
}

// rssKB returns the resident memory of pid and the sum over all its
// descendants, in KiB.
func rssKB(pid int) (self, descendants int) {
	parent := map[int]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so split after ')'.
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 1 {
			parent[p], _ = strconv.Atoi(f[1])
		}
	}
	isDescendant := func(p int) bool {
		for i := 0; i < 64 && p > 1; i++ {
			if p = parent[p]; p == pid {
				return true
			}
		}
		return false
	}
	self = vmRSS(pid)
	for p := range parent {
		if isDescendant(p) {
			descendants += vmRSS(p)
		}
	}
	return self, descendants
}

func vmRSS(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}
