module github.com/cerebriumai/cerebrium

go 1.19
