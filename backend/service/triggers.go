package service

import (
	"context"
	"fmt"
	"time"

	"patchbay/backend/domain"
)

// triggerTick is how often the background loop looks for due triggers.
const triggerTick = 30 * time.Second

// TriggerDue fires the trigger of every published workflow that is due: a
// schedule starts a run every "every" minutes; new items polls its
// connection's inventory as often and starts a run only when items appeared
// since the last poll (the first poll after publishing records what exists).
// A workflow whose previous run has not ended (it may be parked for
// reauthorization) is not started again before its next interval, so runs
// never pile up behind a broken connection. The time a trigger fired is
// stored before its run starts: a restart neither fires it twice nor early.
func (s *Service) TriggerDue(ctx context.Context) ([]domain.Run, error) {
	list, err := s.store.ListWorkflows(ctx)
	if err != nil {
		return nil, fmt.Errorf("due triggers: %w", err)
	}
	now := s.now().UTC()
	started := []domain.Run{}
	for _, w := range list {
		if !w.Published {
			continue
		}
		every, _ := w.Trigger.Every()
		since := w.UpdatedAt // published or edited
		if w.LastTriggeredAt != nil {
			since = *w.LastTriggeredAt
		}
		if now.Before(since.Add(every)) {
			continue
		}
		if err := s.store.MarkTriggered(ctx, w.ID, now); err != nil {
			return started, err
		}
		open, err := s.store.HasOpenRun(ctx, w.ID)
		if err != nil {
			return started, err
		}
		if open {
			s.log.Info("trigger skipped: the previous run has not ended", "workflow", w.ID)
			continue
		}
		r, err := s.fire(ctx, w)
		if err != nil {
			s.log.Warn("trigger failed", "workflow", w.ID, "err", err)
			continue
		}
		if r != nil {
			s.log.Info("workflow triggered", "workflow", w.ID, "trigger", w.Trigger.Kind, "run", r.ID)
			started = append(started, *r)
		}
	}
	return started, nil
}

// fire starts a due workflow's run, or returns nil when its new-items
// trigger found nothing new.
func (s *Service) fire(ctx context.Context, w domain.Workflow) (*domain.Run, error) {
	if w.Trigger.Kind != "new_items" {
		r, err := s.engine.Start(ctx, w, "")
		return &r, err
	}
	c, err := s.store.GetConnection(ctx, w.Trigger.ConnectionID)
	if err != nil {
		return nil, err
	}
	if c, err = s.check(ctx, c, false); err != nil {
		return nil, err
	}
	if c.Status != domain.StatusActive {
		return nil, fmt.Errorf("poll %s for new items: the connection is %s", c.Label, c.Status)
	}
	t, p, err := s.target(ctx, c)
	if err != nil {
		return nil, err
	}
	f, res, err := s.fetchInventory(ctx, c, t, p)
	switch {
	case err != nil:
		return nil, err
	case !res.OK():
		return nil, fmt.Errorf("poll %s for new items: %s", c.Label, res.Message)
	case len(f.added) == 0 || (w.LastTriggeredAt == nil && !f.hadStored):
		return nil, nil
	}
	r, err := s.engine.StartAfterTrigger(ctx, w, f.summary())
	return &r, err
}

// runTriggers fires due triggers now and then every triggerTick while ctx lasts.
func (s *Service) runTriggers(ctx context.Context) {
	t := time.NewTicker(triggerTick)
	defer t.Stop()
	for {
		if _, err := s.TriggerDue(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("fire due triggers", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
