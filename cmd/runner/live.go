package main

import (
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/aipflow/runner/engine"
	_ "github.com/aipflow/runner/internal/termquery" // before Bubble Tea's init: no terminal query
)

// defaultHeartbeat is how long a step may run or wait without a progress
// line before a heartbeat line tells that it still does: less than the
// 10 minutes of silence after which common CI services end a job.
//
// The heartbeat counts real time, not the Console's: --speed does not
// divide it, since what ends a silent CI job is the wall clock. A run
// that --speed compresses rarely needs one; tests set --heartbeat, or
// call progress.beat with the times of a fake clock.
const defaultHeartbeat = 5 * time.Minute

// registerHeartbeat adds --heartbeat to the flags of run and resume.
func registerHeartbeat(fs *pflag.FlagSet, d *time.Duration) {
	*d = defaultHeartbeat
	fs.Var((*durationFlag)(d), "heartbeat",
		"without a live view (stderr not a terminal), print a line for each step that\n"+
			"runs or waits this long without one, in real time; 0 turns it off")
}

// runDisplay shows the progress of a run on stderr. event is the run's
// observer; close ends the display, before the summary is printed, and
// may be called more than once.
type runDisplay struct {
	event func(engine.Event)
	close func()
}

// startDisplay starts the display of a run of p: nothing with --quiet, a
// live view when stderr is a terminal, else one line (or JSON object) per
// change and a heartbeat line every heartbeat for the steps that run or
// wait silently (0: none). resumed is the journal of the run that a
// resumed run goes on with, or nil.
func (a *app) startDisplay(p *engine.Plan, heartbeat time.Duration,
	resumed *engine.Journal) *runDisplay {
	live := a.live
	if live == nil {
		live = &liveJobs{}
	}
	if a.quiet {
		return &runDisplay{event: live.see, close: func() {}}
	}
	if s, f, ok := a.terminal(); ok {
		b := newBoard(p, a.clock(), termStyle(f))
		if resumed != nil {
			b.resume(resumed)
		}
		return a.startLiveView(s, f, b, live)
	}
	pr := newProgress(a.stderr, p, live)
	if a.logFormat == logJSON {
		pr.log = a.newLogger(slog.LevelInfo)
	}
	pr.every = heartbeat
	if heartbeat <= 0 {
		return &runDisplay{event: pr.event, close: func() {}}
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		pr.heartbeat(a.clock, stop)
	}()
	var once sync.Once
	return &runDisplay{event: pr.event, close: func() {
		once.Do(func() {
			close(stop)
			<-done
		})
	}}
}

// terminal returns the command's stderr and the terminal behind it, when
// it is one that a live view can draw on: text logs, and a TERM that is
// not dumb.
func (a *app) terminal() (*stderrStream, *os.File, bool) {
	s, ok := a.stderr.(*stderrStream)
	if !ok || a.logFormat == logJSON || a.getenv("TERM") == "dumb" {
		return nil, nil, false
	}
	f, ok := s.out.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, nil, false
	}
	return s, f, true
}

// startLiveView shows the board of a run on the terminal f, and the
// lines written to the command's stderr s above it, until close.
func (a *app) startLiveView(s *stderrStream, f *os.File, b *board, live *liveJobs) *runDisplay {
	v := startLive(f, b, a.clock)
	s.attach(v.print)
	live.onRelease(func() {
		v.kill()
		s.detach()
	})
	var once sync.Once
	return &runDisplay{
		event: func(e engine.Event) {
			live.see(e)
			v.event(e)
		},
		close: func() {
			once.Do(func() {
				live.onRelease(nil)
				v.close()
				s.detach()
			})
		},
	}
}

// liveView draws a board on a terminal with a bubbletea program: the
// program redraws the lines that changed, cuts them to the terminal's
// width, follows its resizes and prints lines above the live area. The
// program reads no input, so the terminal stays in its mode and Ctrl+C
// sends SIGINT to the runner's own handler, and it leaves signals alone.
// A liveView is safe for concurrent use.
type liveView struct {
	mu       sync.Mutex // guards board, height and closing
	board    *board
	height   int
	closing  bool
	now      func() time.Time
	out      io.Writer
	prog     *tea.Program
	done     chan struct{} // closed when the program ended
	stopTick chan struct{}
	ticking  sync.WaitGroup
	once     sync.Once
}

// redrawMsg makes the program draw the board again.
type redrawMsg struct{}

// liveFPS bounds how often the view is drawn: a status board needs no more.
const liveFPS = 10

// startLive starts drawing b on out, with now as the clock of elapsed
// times.
func startLive(out io.Writer, b *board, now func() time.Time) *liveView {
	v := &liveView{board: b, now: now, out: out, done: make(chan struct{}),
		stopTick: make(chan struct{})}
	v.prog = tea.NewProgram(liveModel{v}, tea.WithInput(nil), tea.WithOutput(out),
		tea.WithoutSignalHandler(), tea.WithoutBracketedPaste(), tea.WithFPS(liveFPS))
	go func() {
		defer close(v.done)
		_, _ = v.prog.Run() // a view that cannot draw leaves the run as it is
	}()
	// Elapsed times move every second.
	v.ticking.Go(func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-v.stopTick:
				return
			case <-t.C:
				v.prog.Send(redrawMsg{})
			}
		}
	})
	return v
}

// event takes a run's event into the board and prints the lines it
// leaves above the live area.
func (v *liveView) event(e engine.Event) {
	v.mu.Lock()
	lines := v.board.apply(e)
	v.mu.Unlock()
	for _, l := range lines {
		v.print(l)
	}
	v.prog.Send(redrawMsg{})
}

// print prints a line above the live area; once the view is closing, on
// the terminal below it.
func (v *liveView) print(line string) {
	v.mu.Lock()
	closing := v.closing
	v.mu.Unlock()
	select {
	case <-v.done: // the program could not draw, or was killed
		closing = true
	default:
	}
	if !closing {
		// Send, unlike Program.Println, returns once the program ended.
		v.prog.Send(tea.Println(toColumn0 + line)())
		return
	}
	<-v.done
	_, _ = io.WriteString(v.out, line+"\n")
}

// close clears the live area, leaving the lines printed above it, and
// waits for the program to end and give the terminal back.
func (v *liveView) close() {
	v.once.Do(func() {
		v.mu.Lock()
		v.closing = true
		v.mu.Unlock()
		close(v.stopTick)
		v.ticking.Wait()
		v.prog.Quit()
		<-v.done
	})
}

// kill stops the program at once, leaving the live area as it is, and
// waits a little for it to give the terminal back, for a process that
// exits at once.
func (v *liveView) kill() {
	v.mu.Lock()
	v.closing = true
	v.mu.Unlock()
	v.prog.Kill()
	select {
	case <-v.done:
	case <-time.After(time.Second):
	}
}

// liveModel is the bubbletea model of a liveView: the board, drawn
// whenever an event or a second went by.
type liveModel struct{ v *liveView }

func (m liveModel) Init() tea.Cmd { return nil }

func (m liveModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if ws, ok := msg.(tea.WindowSizeMsg); ok {
		m.v.mu.Lock()
		m.v.height = ws.Height
		m.v.mu.Unlock()
	}
	return m, nil
}

// View draws the board; nothing once the view closes, which clears the
// live area for the summary.
func (m liveModel) View() string {
	m.v.mu.Lock()
	defer m.v.mu.Unlock()
	if m.v.closing {
		return ""
	}
	view := m.v.board.view(m.v.now(), m.v.height)
	return toColumn0 + strings.ReplaceAll(view, "\n", "\n"+toColumn0)
}

// toColumn0 begins every line the view draws. The terminal stays in
// cooked mode, so it echoes ^C, or keys typed meanwhile, where the cursor
// is; without it, the renderer, which moves the cursor up and not back to
// the first column, would draw the next frame that many columns right.
const toColumn0 = "\r"

// liveStyle colours the marks of the live view.
type liveStyle struct {
	ok, bad, run, wait, faint, bold func(string) string
}

// plainStyle colours nothing.
func plainStyle() liveStyle {
	same := func(s string) string { return s }
	return liveStyle{same, same, same, same, same, same}
}

// termStyle colours as the terminal f can, and not at all with NO_COLOR.
func termStyle(f *os.File) liveStyle {
	r := lipgloss.NewRenderer(f)
	with := func(st lipgloss.Style) func(string) string {
		return func(s string) string { return st.Render(s) }
	}
	fg := func(c string) func(string) string {
		return with(r.NewStyle().Foreground(lipgloss.Color(c)))
	}
	return liveStyle{
		ok:    fg("2"),
		bad:   fg("1"),
		run:   fg("6"),
		wait:  fg("3"),
		faint: with(r.NewStyle().Faint(true)),
		bold:  with(r.NewStyle().Bold(true)),
	}
}
