// Package export reads and writes trustdesk sync files.
package export
