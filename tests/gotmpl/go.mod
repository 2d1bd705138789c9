module example.com/gotmpl

go 1.19
