// A cheap round trip. -> 2
() => 1 + 1
