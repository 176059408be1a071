//go:build race

package main

// raceAllocs are the allocations the race detector's instrumentation adds
// to a launch.
const raceAllocs = 2
