//go:build !race

package main

const raceAllocs = 0
