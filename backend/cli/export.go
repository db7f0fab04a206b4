package cli

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"patchbay/backend/domain"
	"patchbay/backend/report"
)

func runExport(args []string, env Env) int {
	var c common
	fl := newFlagSet("export", "Usage: patchbay export [--format html|json|csv] [--out FILE] [flags]\n\nWrites the health report from the local database (works offline). It never contains a secret.", env)
	c.register(fl)
	format := fl.String("format", "html", "report format: "+strings.Join(report.Formats, ", "))
	out := fl.String("out", "", "file to write (default: standard output)")
	if code, done := parse(fl, args, env); done {
		return code
	}
	if !slices.Contains(report.Formats, *format) {
		fmt.Fprintf(env.Stderr, "patchbay export: Unknown report format %q: use %s.\n", *format, strings.Join(report.Formats, ", "))
		return ExitUsage
	}
	if !dataDirExists(c, "export", env) {
		return ExitUsage
	}
	return withApp(c, env, func(ctx context.Context, app *app) int {
		exp, err := app.svc.ExportReport(ctx, *format)
		if err != nil {
			return fail(env, err)
		}
		if *out == "" {
			fmt.Fprint(env.Stdout, exp.Body)
			return ExitOK
		}
		if err := os.WriteFile(*out, []byte(exp.Body), 0o600); err != nil {
			return fail(env, domain.Errorf(domain.EInvalid, "Cannot write the report: %v. Give --out a file in a folder that exists and that you can write to.", err))
		}
		fmt.Fprintf(env.Stderr, "Wrote %s\n", *out)
		return ExitOK
	})
}
