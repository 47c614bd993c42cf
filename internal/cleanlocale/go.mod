module a.trustdesk.internal/cleanlocale

go 1.26
