package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lanesboard/lanes/config"
	"github.com/lanesboard/lanes/keymap"
)

func (a *app) configCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Show or create the config file"}
	cmd.AddCommand(&cobra.Command{
		Use:   "path",
		Short: "Print where the config file is (it need not exist)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := a.configPath()
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), p)
			return nil
		},
	})
	var force bool
	initCmd := &cobra.Command{
		Use:   "init",
		Short: "Write a config file with every setting, commented out",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := a.configPath()
			if err != nil {
				return err
			}
			if _, err := os.Stat(p); err == nil && !force {
				return fmt.Errorf("%s exists already (use --force to replace it)", p)
			}
			if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
				return fmt.Errorf("create the config directory: %w", err)
			}
			if err := os.WriteFile(p, []byte(config.Default), 0o600); err != nil {
				return fmt.Errorf("write the config file: %w", err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), p)
			return nil
		},
	}
	initCmd.Flags().BoolVar(&force, "force", false, "replace an existing config file")
	cmd.AddCommand(initCmd)
	cmd.AddCommand(&cobra.Command{
		Use:   "keys",
		Short: "List the actions the [keys] table can rebind, with their default keys",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return printActions(cmd.OutOrStdout())
		},
	})
	return cmd
}

// printActions lists the rebindable actions: name, default keys, what it does.
func printActions(w io.Writer) error {
	km := keymap.Default()
	actions := km.Actions()
	t := newTable("ACTION", "KEYS", "DOES")
	for _, name := range keymap.ActionNames() {
		b := actions[name]
		keys := make([]string, len(b.Keys()))
		for i, k := range b.Keys() {
			keys[i] = keymap.Name(k)
		}
		t.row(name, strings.Join(keys, " "), b.Help().Desc)
	}
	return t.print(w)
}
