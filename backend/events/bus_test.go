package events

import (
	"testing"
	"time"
)

func TestBusDeliversToEverySubscriber(t *testing.T) {
	b := New()
	a, stopA := b.Subscribe()
	c, stopC := b.Subscribe()
	defer stopC()
	b.Publish(ConnectionChanged, ConnectionRef{ID: "x"})
	for _, ch := range []<-chan Event{a, c} {
		select {
		case ev := <-ch:
			if ev.Topic != ConnectionChanged || ev.Payload.(ConnectionRef).ID != "x" {
				t.Fatalf("got %+v", ev)
			}
		case <-time.After(time.Second):
			t.Fatal("event not delivered")
		}
	}
	stopA()
	stopA() // idempotent
	if _, ok := <-a; ok {
		t.Fatal("channel not closed after unsubscribe")
	}
	b.Publish("t", nil) // must not panic on the closed subscriber
}

func TestBusNeverBlocksOnSlowSubscriber(t *testing.T) {
	b := New()
	_, stop := b.Subscribe()
	defer stop()
	done := make(chan struct{})
	go func() {
		for i := 0; i < 1000; i++ {
			b.Publish("t", i)
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("publish blocked on a subscriber that never reads")
	}
}
