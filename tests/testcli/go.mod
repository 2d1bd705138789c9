module example.com/cerebrium-testcli

go 1.19
