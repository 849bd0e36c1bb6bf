package main

import (
	"fmt"
	"strings"

	mcobra "github.com/muesli/mango-cobra"
	"github.com/muesli/roff"
	"github.com/spf13/cobra"
)

// manCmd prints the man page, made from the command tree so it never
// drifts from --help. Hidden: it is for packagers and for
// "lanes man > ~/.local/share/man/man1/lanes.1".
func manCmd(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:    "man",
		Short:  "Print the man page (roff) of lanes and every command",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			page, err := mcobra.NewManPage(1, root)
			if err != nil {
				return fmt.Errorf("make the man page: %w", err)
			}
			// mango starts a paragraph at every newline: the help text's
			// own line breaks would break the page's sentences.
			page = page.WithLongDescription(reflow(root.Long)).WithSection("Files",
				"$XDG_CONFIG_HOME/lanes/config.toml (or --config, $LANES_CONFIG): the config file.\n"+
					"$XDG_DATA_HOME/lanes (or --data, $LANES_DATA): the database, each board's outbox and cache.\n"+
					"$XDG_STATE_HOME/lanes: logs (server.log, http.log, engine.log).").WithSection("Exit status",
				"0: the command did what it was asked.\n"+
					"1: it failed: the server refused or could not be reached, or what it names (a card, a column, a project) is not there.\n"+
					"2: it was used wrongly: an unknown command or flag, or the wrong number of arguments (and for lanes card, a value a flag can't take).")
			_, err = fmt.Fprint(cmd.OutOrStdout(), page.Build(roff.NewDocument()))
			return err
		},
	}
}

// reflow joins the lines of each paragraph of help text (paragraphs are
// separated by blank lines) into one line.
func reflow(text string) string {
	var paras []string
	for _, p := range strings.Split(strings.TrimSpace(text), "\n\n") {
		paras = append(paras, strings.Join(strings.Fields(p), " "))
	}
	return strings.Join(paras, "\n")
}
