package reputation

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// The evaluation harness (issue 13). It generates rating worlds with
// labelled truth — honest people, cheats who behave well and then defect
// and bad-mouth others, and rings of fake accounts of every shape let in
// through careless honest members — and measures the personal model
// against four baselines computed in the same run: the plain mean rating
// received, fairness–goodness (Kumar et al. 2016), personalised PageRank
// and SybilRank. TestEvaluation prints one table; the default run is small,
// TRUSTDESK_EVAL=big runs the benchmark-sized world with rings of up to
// 5,000 fakes and 50 attack edges.

// Labels of the people in a generated world.
const (
	labelHonest = iota
	labelCheat
	labelFake
)

// evalConfig sizes a generated world.
type evalConfig struct {
	seed           uint64
	people, cells  int
	ratings        int
	cheatShare     float64
	mainRingSize   int // fakes per ring in the world the AUCs are measured on
	mainRingEdges  int
	ringSizes      []int // ring sizes for the lift and bound runs
	ringEdges      []int // attack edges for the lift and bound runs
	ringShapeNames []string
}

var ringShapes = []string{"chain", "tree", "clique", "star", "mixture"}

func smallEval(seed uint64) evalConfig {
	return evalConfig{seed: seed, people: 400, cells: 8, ratings: 6000, cheatShare: 0.05,
		mainRingSize: 40, mainRingEdges: 3, ringSizes: []int{10, 100}, ringEdges: []int{1, 5}, ringShapeNames: ringShapes}
}

func bigEval(seed uint64) evalConfig {
	return evalConfig{seed: seed, people: 2000, cells: 30, ratings: 50000, cheatShare: 0.05,
		mainRingSize: 200, mainRingEdges: 10, ringSizes: []int{10, 100, 1000, 5000}, ringEdges: []int{1, 10, 50}, ringShapeNames: ringShapes}
}

func mediumEval(seed uint64) evalConfig {
	return evalConfig{seed: seed, people: 1000, cells: 15, ratings: 20000, cheatShare: 0.05,
		mainRingSize: 100, mainRingEdges: 10, ringSizes: []int{100, 1000}, ringEdges: []int{10, 50}, ringShapeNames: []string{"tree", "mixture"}}
}

// evalWorld is a generated world with its labels.
type evalWorld struct {
	in      *Input
	label   map[string]int
	cheats  []string
	members [][]string // honest members of each cell, in order of admission
	rng     *rand.Rand
	seq     int
	rings   int
}

func (w *evalWorld) statement() string {
	w.seq++
	h := sha256.Sum256(fmt.Appendf(nil, "eval statement %d", w.seq))
	return hex.EncodeToString(h[:])
}

func (w *evalWorld) rating(cell int, rater, subject string, safety, reliability, daysAgo int) {
	day := now.AddDate(0, 0, -daysAgo)
	w.in.Cells[cell].Ratings = append(w.in.Cells[cell].Ratings, Rating{ID: w.statement(), Rater: rater, Subject: subject,
		Safety: safety, Reliability: reliability, Day: day, Made: day})
}

// pareto draws a heavy-tailed weight (shape 1.5, at least 1).
func pareto(rng *rand.Rand) float64 { return math.Pow(1-rng.Float64(), -1/1.5) }

// pick draws an index with probability proportional to weights.
func pick(rng *rand.Rand, weights []float64, total float64) int {
	x := rng.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// honestMark is what an honest rater gives someone who behaved well.
func honestMark(rng *rand.Rand) int {
	switch x := rng.Float64(); {
	case x < 0.03:
		return 2
	case x < 0.13:
		return 3
	case x < 0.45:
		return 4
	}
	return 5
}

// generateEval builds the honest part of a world: cells grown by
// preferential vouching, people with heavy-tailed activity and popularity,
// cheats who defect on a day in the last two years (after it, most who
// meet them find them unsafe) and who bad-mouth honest people.
func generateEval(cfg evalConfig) *evalWorld {
	rng := rand.New(rand.NewPCG(cfg.seed, 13))
	id := func(i int) string { return pid(fmt.Sprintf("h%d", i)) }
	w := &evalWorld{in: &Input{Viewer: id(0), Now: now, Names: map[string]string{}}, label: map[string]int{}, rng: rng}
	activity := make([]float64, cfg.people)
	popularity := make([]float64, cfg.people)
	defect := make([]int, cfg.people) // days ago; 0 for honest people
	totalPop := 0.0
	for i := range cfg.people {
		activity[i], popularity[i] = pareto(rng), pareto(rng)
		totalPop += popularity[i]
		w.label[id(i)] = labelHonest
		if i > 0 && rng.Float64() < cfg.cheatShare {
			w.label[id(i)] = labelCheat
			w.cheats = append(w.cheats, id(i))
			defect[i] = 30 + rng.IntN(335)
		}
	}
	// Cells: sizes heavy-tailed; members drawn by popularity; everyone
	// after the founder vouched for by one or two earlier members chosen
	// by how many they already let in.
	idx := make([][]int, cfg.cells)
	for c := range cfg.cells {
		h := sha256.Sum256(fmt.Appendf(nil, "eval cell %d", c))
		cell := Cell{ID: hex.EncodeToString(h[:16]), Name: fmt.Sprintf("cell %d", c)}
		size := min(cfg.people-1, int(float64(3*cfg.people/cfg.cells)*pareto(rng)/3)+5)
		seen := map[int]bool{}
		var ms []int
		for len(ms) < size {
			p := pick(rng, popularity, totalPop)
			if p == 0 || seen[p] {
				continue
			}
			seen[p] = true
			ms = append(ms, p)
		}
		at := 1 + rng.IntN(len(ms)-1) // the viewer joins somewhere after the founder
		ms = slices.Insert(ms, at, 0)
		admitted := make([]float64, len(ms))
		for k, p := range ms {
			m := Member{ID: id(p), Status: StatusMember}
			if k > 0 {
				total := 0.0
				for j := range k {
					admitted[j]++ // weights 1 + vouchees
					total += admitted[j]
				}
				for range 1 + rng.IntN(2) {
					j := pick(rng, admitted[:k], total)
					m.VouchedBy = append(m.VouchedBy, id(ms[j]))
				}
				for j := range k {
					admitted[j]--
				}
				for _, v := range m.VouchedBy {
					admitted[slices.IndexFunc(ms, func(q int) bool { return id(q) == v })]++
				}
			}
			cell.Members = append(cell.Members, m)
		}
		idx[c] = ms
		w.in.Cells = append(w.in.Cells, cell)
		names := make([]string, len(ms))
		for k, p := range ms {
			names[k] = id(p)
		}
		w.members = append(w.members, names)
	}
	// The viewer verified a few people they met in their cells.
	for range 8 {
		ms := idx[rng.IntN(cfg.cells)]
		w.in.Verified = append(w.in.Verified, id(ms[rng.IntN(len(ms))]))
	}
	// Ratings: a cell by size, a rater by activity, a subject by popularity.
	cellW := make([]float64, cfg.cells)
	total := 0.0
	for c := range cfg.cells {
		cellW[c] = float64(len(idx[c]))
		total += cellW[c]
	}
	for range cfg.ratings {
		c := pick(rng, cellW, total)
		ms := idx[c]
		aw, pw := make([]float64, len(ms)), make([]float64, len(ms))
		at, pt := 0.0, 0.0
		for k, p := range ms {
			aw[k], pw[k] = activity[p], popularity[p]
			at += aw[k]
			pt += pw[k]
		}
		r, s := ms[pick(rng, aw, at)], ms[pick(rng, pw, pt)]
		if r == s {
			continue
		}
		days := rng.IntN(730)
		safety, reliability := honestMark(rng), honestMark(rng)
		switch {
		case defect[r] > 0 && defect[s] > 0:
			safety, reliability = 5, 5 // cheats praise each other
		case defect[r] > 0 && rng.Float64() < 0.15:
			safety, reliability = 1, 1 // bad-mouthing
		case defect[s] > 0 && days < defect[s] && rng.Float64() < 0.8:
			safety, reliability = 1+rng.IntN(2), 1+rng.IntN(2) // after defecting
		}
		w.rating(c, id(r), id(s), safety, reliability, days)
	}
	return w
}

// clone copies the world so that rings can be added to the copy only.
func (w *evalWorld) clone() *evalWorld {
	in := *w.in
	in.Cells = slices.Clone(w.in.Cells)
	for c := range in.Cells {
		in.Cells[c].Members = slices.Clone(in.Cells[c].Members)
		in.Cells[c].Ratings = slices.Clone(in.Cells[c].Ratings)
	}
	label := make(map[string]int, len(w.label))
	for k, v := range w.label {
		label[k] = v
	}
	return &evalWorld{in: &in, label: label, cheats: w.cheats, members: w.members,
		rng: rand.New(rand.NewPCG(uint64(w.seq), uint64(w.rings))), seq: w.seq + 1e6*(w.rings+1), rings: w.rings}
}

// ratedRing is the suffix of a ring shape whose fakes were also rated by
// honest people ("chain+rated"): see addRing.
const ratedRing = "+rated"

// addRing adds a ring of fake accounts with the given shape that lifts
// target: the target vouches for the first fake, edges careless honest
// members of the target's cell vouch for one fake each, the fakes vouch
// for each other in the shape, rate the target and each other 5/5 and
// bad-mouth two honest members each. It returns the fakes' ids.
//
// A shape ending in ratedRing builds the same ring and then adds the
// ratings the fakes earn by behaving well with the people they meet
// (the attack edges from careless honest users): every careless
// member rates the fake they vouched for, two honest members of the cell
// drawn at random each rate one of the fakes let in from outside (all as
// honest people rate someone who behaved well), and the target rates its
// first fake 5/5.
func (w *evalWorld) addRing(shape string, size, edges int, target string) []string {
	shape, rated := strings.CutSuffix(shape, ratedRing)
	w.rings++
	rng := w.rng
	c := 0
	for k, ms := range w.members {
		if slices.Contains(ms, target) {
			c = k
			break
		}
	}
	honest := w.members[c]
	fakes := make([]string, size)
	for i := range fakes {
		fakes[i] = pid(fmt.Sprintf("fake %d/%d", w.rings, i))
		w.label[fakes[i]] = labelFake
	}
	vouchers := make([][]string, size)
	vouchers[0] = append(vouchers[0], target)
	carelessOf := make([]string, edges) // who let fake e % size in
	for e := range edges {
		careless := honest[rng.IntN(len(honest))]
		for careless == target || careless == w.in.Viewer {
			careless = honest[rng.IntN(len(honest))]
		}
		f := e % size
		vouchers[f] = append(vouchers[f], careless)
		carelessOf[e] = careless
	}
	for i := 1; i < size; i++ {
		switch shape {
		case "chain":
			vouchers[i] = append(vouchers[i], fakes[i-1])
		case "tree":
			vouchers[i] = append(vouchers[i], fakes[(i-1)/5])
		case "clique": // everyone vouches for everyone after them, up to 30
			for j := max(0, i-30); j < i; j++ {
				vouchers[i] = append(vouchers[i], fakes[j])
			}
		case "star":
			vouchers[i] = append(vouchers[i], fakes[0])
		default: // a mixture: one to three earlier fakes at random
			for range 1 + rng.IntN(3) {
				vouchers[i] = append(vouchers[i], fakes[rng.IntN(i)])
			}
		}
	}
	for i, f := range fakes {
		w.in.Cells[c].Members = append(w.in.Cells[c].Members, Member{ID: f, Status: StatusMember, VouchedBy: vouchers[i]})
		w.rating(c, f, target, 5, 5, rng.IntN(60))
		for range 3 {
			if o := fakes[rng.IntN(size)]; o != f {
				w.rating(c, f, o, 5, 5, rng.IntN(60))
			}
		}
		for range 2 {
			if h := honest[rng.IntN(len(honest))]; h != target {
				w.rating(c, f, h, 1, 1, rng.IntN(60))
			}
		}
	}
	if rated { // after every other draw, so the ring is the same as without
		for e, careless := range carelessOf {
			w.rating(c, careless, fakes[e%size], honestMark(rng), honestMark(rng), rng.IntN(60))
		}
		for range 2 {
			h := honest[rng.IntN(len(honest))]
			for h == target || h == w.in.Viewer {
				h = honest[rng.IntN(len(honest))]
			}
			w.rating(c, h, fakes[rng.IntN(min(size, max(1, edges)))], honestMark(rng), honestMark(rng), rng.IntN(60))
		}
		w.rating(c, target, fakes[0], 5, 5, rng.IntN(60))
	}
	return fakes
}

// A method scores everyone in a world: higher is safer, NaN is no score.
// The personal model's methods also read a result already computed
// (fromResult), so a ring run computes the model once.
type method struct {
	name       string
	score      func(in *Input) map[string]float64
	fromResult func(r *Result) map[string]float64
}

var methods = []method{
	{"personal model (as listed)", func(in *Input) map[string]float64 { return personalLow(Compute(in)) }, personalLow},
	{"personal model (score)", func(in *Input) map[string]float64 { return personalMean(Compute(in)) }, personalMean},
	{"mean rating received", meanRating, nil},
	{"fairness–goodness", fairnessGoodness, nil},
	{"personalised PageRank", pageRank, nil},
	{"SybilRank", sybilRank, nil},
}

// scoreWith scores in by m, reusing res (the model's result on in) when
// m reads one.
func (m method) scoreWith(in *Input, res *Result) map[string]float64 {
	if m.fromResult != nil {
		return m.fromResult(res)
	}
	return m.score(in)
}

func personalLow(r *Result) map[string]float64 {
	out := map[string]float64{}
	for _, s := range r.Scores() {
		out[s.ID] = s.Rank()
	}
	return out
}

func personalMean(r *Result) map[string]float64 {
	out := map[string]float64{}
	for _, s := range r.Scores() {
		out[s.ID] = valOr(s.Safety)
	}
	return out
}

func valOr(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// latestRatings is what every baseline reads: each statement once, the
// latest rating per rater and subject.
func latestRatings(in *Input) []Rating {
	type key struct{ r, s string }
	latest := map[key]Rating{}
	for _, c := range in.Cells {
		for _, r := range c.Ratings {
			if !validRating(&r) {
				continue
			}
			k := key{r.Rater, r.Subject}
			if old, ok := latest[k]; !ok || r.Day.After(old.Day) || (r.Day.Equal(old.Day) && r.ID > old.ID) {
				latest[k] = r
			}
		}
	}
	out := make([]Rating, 0, len(latest))
	for _, r := range latest {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Rating) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// weightedMean scores everyone by the mean safety mark they received,
// each rating weighted by weight(rater).
func weightedMean(in *Input, weight func(string) float64) map[string]float64 {
	sum, tot := map[string]float64{}, map[string]float64{}
	for _, r := range latestRatings(in) {
		w := weight(r.Rater)
		sum[r.Subject] += w * float64(r.Safety)
		tot[r.Subject] += w
	}
	out := map[string]float64{}
	for s, t := range tot {
		if t > 0 {
			out[s] = sum[s] / t
		}
	}
	return out
}

func meanRating(in *Input) map[string]float64 {
	return weightedMean(in, func(string) float64 { return 1 })
}

// fairnessGoodness is Kumar, Spezzano, Subrahmanian, Faloutsos, "Edge
// weight prediction in weighted signed networks" (ICDM 2016): goodness is
// the fairness-weighted mean rating received, fairness one minus the mean
// distance of one's ratings from the goodness of those rated.
func fairnessGoodness(in *Input) map[string]float64 {
	rs := latestRatings(in)
	fair, good := map[string]float64{}, map[string]float64{}
	for _, r := range rs {
		fair[r.Rater] = 1
	}
	for range 30 {
		sum, n := map[string]float64{}, map[string]float64{}
		for _, r := range rs {
			sum[r.Subject] += fair[r.Rater] * (float64(r.Safety) - 3) / 2
			n[r.Subject]++
		}
		for s := range sum {
			good[s] = sum[s] / n[s]
		}
		dist, m := map[string]float64{}, map[string]float64{}
		for _, r := range rs {
			dist[r.Rater] += math.Abs((float64(r.Safety)-3)/2-good[r.Subject]) / 2
			m[r.Rater]++
		}
		for u := range dist {
			fair[u] = 1 - dist[u]/m[u]
		}
	}
	return good
}

// trustGraph lists the verified-in-person and vouch edges a baseline may
// use, with the viewer's admission chain reversed into ordinary edges.
func trustGraph(in *Input) map[string][]string {
	g := map[string][]string{}
	g[in.Viewer] = append(g[in.Viewer], in.Verified...)
	for _, c := range in.Cells {
		for _, m := range c.Members {
			if m.Status == StatusExcluded {
				continue
			}
			for _, v := range m.VouchedBy {
				g[v] = append(g[v], m.ID)
				if m.ID == in.Viewer {
					g[in.Viewer] = append(g[in.Viewer], v)
				}
			}
		}
	}
	for k := range g {
		slices.Sort(g[k])
		g[k] = slices.Compact(g[k])
	}
	return g
}

// pageRank weighs raters by personalised PageRank from the viewer over the
// trust graph (restart 0.15), and scores by the weighted mean.
func pageRank(in *Input) map[string]float64 {
	g := trustGraph(in)
	pr := map[string]float64{in.Viewer: 1}
	for range 40 {
		next := map[string]float64{in.Viewer: 0.15}
		for _, u := range sortedKeys(pr) { // a fixed order of sums: the same scores every run
			p, out := pr[u], g[u]
			if len(out) == 0 {
				next[in.Viewer] += 0.85 * p
				continue
			}
			for _, v := range out {
				next[v] += 0.85 * p / float64(len(out))
			}
		}
		pr = next
	}
	return weightedMean(in, func(r string) float64 { return pr[r] })
}

// sybilRank is Cao, Sirivianos, Yang, Pregueiro, "Aiding the Detection of
// Fake Accounts in Large Scale Social Online Services" (NSDI 2012): trust
// spreads from the seeds (the viewer and whom they verified) over the
// undirected trust graph for log2(n) rounds and is divided by degree;
// raters are weighed by it and people scored by the weighted mean.
func sybilRank(in *Input) map[string]float64 {
	g := map[string][]string{}
	directed := trustGraph(in)
	for _, u := range slices.Sorted(maps.Keys(directed)) {
		for _, v := range directed[u] {
			g[u] = append(g[u], v)
			g[v] = append(g[v], u)
		}
	}
	seeds := append([]string{in.Viewer}, in.Verified...)
	t := map[string]float64{}
	for _, s := range seeds {
		t[s] += 1 / float64(len(seeds))
	}
	rounds := int(math.Ceil(math.Log2(float64(len(g) + 1))))
	for range rounds {
		next := map[string]float64{}
		for _, u := range sortedKeys(t) {
			x := t[u]
			for _, v := range g[u] {
				next[v] += x / float64(len(g[u]))
			}
		}
		t = next
	}
	return weightedMean(in, func(r string) float64 {
		if d := len(g[r]); d > 0 {
			return t[r] / float64(d)
		}
		return 0
	})
}

// sortedKeys returns m's keys in order, so that sums over them run in the
// same order every time.
func sortedKeys(m map[string]float64) []string {
	return slices.Sorted(maps.Keys(m))
}

// knownCheat returns the cheat with the lowest plain mean rating among
// those with at least three ratings (or with any, if none has three).
func knownCheat(w *evalWorld) string {
	n := map[string]int{}
	for _, r := range latestRatings(w.in) {
		n[r.Subject]++
	}
	mean := meanRating(w.in)
	target, lowest := w.cheats[0], math.Inf(1)
	for _, least := range []int{3, 1} {
		for _, c := range w.cheats {
			if x, ok := mean[c]; ok && n[c] >= least && x < lowest {
				target, lowest = c, x
			}
		}
		if !math.IsInf(lowest, 1) {
			break
		}
	}
	return target
}

// unflaggedCheat returns the cheat the model (res, computed on w) has not
// flagged with the lowest plain mean rating among those with at least
// three ratings, with that mean; "" when there is none. A ring may lift
// any cheat, and one nobody trusted has flagged yet is the easiest to
// lift (MODEL.md, section 8).
func unflaggedCheat(w *evalWorld, res *Result) (string, float64) {
	n := map[string]int{}
	for _, r := range latestRatings(w.in) {
		n[r.Subject]++
	}
	mean := meanRating(w.in)
	target, lowest := "", math.Inf(1)
	for _, c := range w.cheats {
		if x, ok := mean[c]; ok && n[c] >= 3 && res.Person(c).Flags == 0 && x < lowest {
			target, lowest = c, x
		}
	}
	return target, lowest
}

// rated returns everyone who received at least one valid rating.
func rated(in *Input) map[string]bool {
	out := map[string]bool{}
	for _, c := range in.Cells {
		for _, r := range c.Ratings {
			if validRating(&r) {
				out[r.Subject] = true
			}
		}
	}
	return out
}

// auc is the chance that a random person of group good scores above a
// random person of group bad (ties count half; no score is lowest).
func auc(score map[string]float64, good, bad []string) float64 {
	v := func(id string) float64 {
		if x, ok := score[id]; ok && !math.IsNaN(x) {
			return x
		}
		return math.Inf(-1)
	}
	bs := make([]float64, len(bad))
	for i, b := range bad {
		bs[i] = v(b)
	}
	slices.Sort(bs)
	sum := 0.0
	for _, g := range good {
		x := v(g)
		lo, _ := slices.BinarySearch(bs, x)
		hi := lo
		for hi < len(bs) && bs[hi] == x {
			hi++
		}
		sum += float64(lo) + float64(hi-lo)/2
	}
	return sum / float64(len(good)*len(bad))
}

// percentile is where target stands among honest people, 0 to 100.
func percentile(score map[string]float64, honest []string, target string) float64 {
	return 100 * auc(score, []string{target}, honest)
}

// The targets every ring of the lift runs is aimed at, one at a time.
const (
	targetKnown     = iota // the known cheat: the lowest plain mean
	targetUnflagged        // the cheat the model has not flagged with the lowest plain mean
	targets
)

type evalRow struct {
	cheatAUC, ringCheatAUC float64
	seedsAUC               float64 // the mean cheat AUC over worlds of the same size drawn with seeds 1 to evalSeeds
	fakeAUC, coverage      float64
	worstLift              [targets]float64 // per target; −Inf when the target does not exist
	worstRing              [targets]string
}

func (w *evalWorld) groups(in *Input) (honest, cheats, fakes []string) {
	r := rated(in)
	for id, l := range w.label {
		if !r[id] || id == in.Viewer {
			continue
		}
		switch l {
		case labelHonest:
			honest = append(honest, id)
		case labelCheat:
			cheats = append(cheats, id)
		case labelFake:
			fakes = append(fakes, id)
		}
	}
	slices.Sort(honest)
	slices.Sort(cheats)
	slices.Sort(fakes)
	return honest, cheats, fakes
}

// evalSeeds is how many worlds of one size seedAUCs draws.
const evalSeeds = 6

// seedAUCs returns the cheat AUC of every method in ms on the worlds of
// one size drawn with seeds 1 to evalSeeds, by seed, and calls each (when
// not nil) with every world's honest people, cheats and the model's
// result.
func seedAUCs(size func(uint64) evalConfig, ms []method, each func(res *Result, in *Input, honest, cheats []string)) [][]float64 {
	out := make([][]float64, 0, evalSeeds)
	for seed := uint64(1); seed <= evalSeeds; seed++ {
		w := generateEval(size(seed))
		honest, cheats, _ := w.groups(w.in)
		res := Compute(w.in)
		if each != nil {
			each(res, w.in, honest, cheats)
		}
		row := make([]float64, len(ms))
		for k, m := range ms {
			row[k] = auc(m.scoreWith(w.in, res), honest, cheats)
		}
		out = append(out, row)
	}
	return out
}

// runEval measures every method on cfg's world and reports the table,
// with each method's mean cheat AUC over the worlds of the same size
// drawn with seeds 1 to evalSeeds (size(seed) for cfg's seed is cfg).
func runEval(t *testing.T, cfg evalConfig, size func(uint64) evalConfig) map[string]evalRow {
	t.Helper()
	start := time.Now()
	base := generateEval(cfg)
	// The world the AUCs are measured on holds one ring of every shape,
	// each lifting a different cheat.
	main := base.clone()
	for k, shape := range cfg.ringShapeNames {
		main.addRing(shape, cfg.mainRingSize, cfg.mainRingEdges, base.cheats[k%len(base.cheats)])
	}
	honest, cheats, fakes := main.groups(main.in)
	rows := map[string]evalRow{}
	baseHonest, baseCheats, _ := base.groups(base.in)
	baseRes, mainRes := Compute(base.in), Compute(main.in)
	means := make([]float64, len(methods))
	for _, row := range seedAUCs(size, methods, nil) {
		for k, a := range row {
			means[k] += a / evalSeeds
		}
	}
	for k, m := range methods {
		s := m.scoreWith(main.in, mainRes)
		plain := m.scoreWith(base.in, baseRes)
		// The model's rank is a number for everyone; who has no score
		// has no weighted mean.
		scored := s
		if m.fromResult != nil {
			scored = personalMean(mainRes)
		}
		covered, people := 0, 0
		for _, id := range append(slices.Clone(honest), cheats...) {
			people++
			if x, ok := scored[id]; ok && !math.IsNaN(x) {
				covered++
			}
		}
		rows[m.name] = evalRow{cheatAUC: auc(plain, baseHonest, baseCheats), ringCheatAUC: auc(s, honest, cheats), fakeAUC: auc(s, honest, fakes),
			seedsAUC: means[k], coverage: float64(covered) / float64(people), worstLift: [targets]float64{math.Inf(-1), math.Inf(-1)}}
	}
	// Rings one at a time on the world without any: how far each lifts its
	// target among honest people, and whether the fakes stay within the
	// bound. Every ring runs twice, at two targets: the known cheat (of the
	// cheats with at least three ratings, the one with the lowest plain
	// mean), and the cheat the model has not flagged with the lowest plain
	// mean (which a ring lifts most easily; the figure is about
	// any target).
	before := map[string]map[string]float64{}
	for _, m := range methods {
		before[m.name] = m.scoreWith(base.in, baseRes)
	}
	var aims [targets]string
	aims[targetKnown] = knownCheat(base)
	aims[targetUnflagged], _ = unflaggedCheat(base, baseRes)
	var worstRes [targets]*Result // the model's result with its worst ring, per target

	worstShare := 0.0
	shapeLift := map[string]*[targets]float64{} // the model's worst lift per ring shape
	eachRing(cfg, base, aims[:], Compute, func(j int, ring string, w *evalWorld, fakes []string, res *Result) {
		held, bound := ringTrust(res, fakes)
		if held > bound*(1+1e-9) {
			t.Errorf("ring %s (shape fakes/edges): fakes hold %v, above the bound %v", ring, held, bound)
		}
		if bound > 0 {
			worstShare = max(worstShare, held/bound)
		}
		for k, m := range methods {
			after := m.scoreWith(w.in, res)
			lift := percentile(after, baseHonest, aims[j]) - percentile(before[m.name], baseHonest, aims[j])
			if row := rows[m.name]; lift > row.worstLift[j] {
				row.worstLift[j], row.worstRing[j] = lift, ring
				rows[m.name] = row
				if k == 0 {
					worstRes[j] = res
				}
			}
			if k == 0 {
				shape, _, _ := strings.Cut(ring, " ")
				if shapeLift[shape] == nil {
					shapeLift[shape] = &[targets]float64{math.Inf(-1), math.Inf(-1)}
				}
				shapeLift[shape][j] = max(shapeLift[shape][j], lift)
			}
		}
	})
	runs := len(ringRuns(cfg)) * len(cfg.ringSizes) * len(cfg.ringEdges)
	var b strings.Builder
	fmt.Fprintf(&b, "%d people (%d cheats), %d cells, %d ratings; AUCs on a world with %d rings of %d fakes (%d attack edges each); %d ring runs of %v fakes × %v attack edges at each target; fakes held at most %.2f of the bound; %v\n",
		cfg.people, len(base.cheats), cfg.cells, cfg.ratings, len(cfg.ringShapeNames), cfg.mainRingSize, cfg.mainRingEdges,
		runs, cfg.ringSizes, cfg.ringEdges, worstShare, time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(&b, "ring lift: how many percentiles of honest people the worst ring (shape fakes/edges) lifts a known cheat, and the cheat the model has not flagged with the lowest plain mean\n")
	fmt.Fprintf(&b, "cheat AUC, seeds 1–%d: the mean cheat AUC over the worlds of this size drawn with seeds 1 to %d (this one is seed %d), on which the model is judged\n", evalSeeds, evalSeeds, cfg.seed)
	fmt.Fprintf(&b, "%-28s %9s %11s %11s %9s %9s %30s %30s\n", "method", "cheat AUC", "seeds 1–6", "with rings", "fake AUC", "coverage", "lift, known cheat", "lift, unflagged cheat")
	for _, m := range methods {
		r := rows[m.name]
		fmt.Fprintf(&b, "%-28s %9.3f %11.3f %11.3f %9.3f %8.1f%%", m.name, r.cheatAUC, r.seedsAUC, r.ringCheatAUC, r.fakeAUC, 100*r.coverage)
		for j := range targets {
			if aims[j] == "" {
				fmt.Fprintf(&b, " %30s", "no such cheat")
				continue
			}
			fmt.Fprintf(&b, " %+7.1f %-22s", r.worstLift[j], r.worstRing[j])
		}
		b.WriteString("\n")
	}
	// How the worst ring under the model lifts its target: honest people
	// who ranked above the target before and below it after, and how many
	// of them the ring's smears flagged.
	for j, name := range [targets]string{"known", "unflagged"} {
		if worstRes[j] != nil {
			fell, smeared := fellBelow(baseRes, worstRes[j], baseHonest, aims[j])
			fmt.Fprintf(&b, "worst ring under the model, %s cheat: %d honest people fell below its target, %d of them newly flagged by the ring\n", name, fell, smeared)
		}
	}
	var lifts []string
	for _, shape := range ringRuns(cfg) {
		if l := shapeLift[shape]; l != nil {
			lifts = append(lifts, fmt.Sprintf("%s %+.1f / %+.1f", shape, l[targetKnown], l[targetUnflagged]))
		}
	}
	fmt.Fprintf(&b, "the model's worst lift per ring shape, known / unflagged cheat: %s\n", strings.Join(lifts, "; "))
	// What the honest people's summaries say about the evidence behind
	// their scores: how many read "little to go on", and what the others
	// read, with the model and with the model before praise needs
	// knowledge.
	settled := settle(base.in)
	evidence := func(r *Result) (little float64, all string) {
		n := map[string]int{}
		for _, id := range baseHonest {
			p := r.Person(id)
			if p == nil {
				continue
			}
			what := p.EvidenceWords()
			if p.Raters == 1 {
				what = "1 rating"
				if strings.Contains(p.Words(), "know little") {
					what += ", from someone you know little of"
				}
			}
			n[what]++
		}
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(n)) {
			parts = append(parts, fmt.Sprintf("%q %.1f %%", k, 100*float64(n[k])/float64(len(baseHonest))))
		}
		return 100 * float64(n[ConfidenceWords(0.1)]) / float64(len(baseHonest)), strings.Join(parts, ", ")
	}
	little, all := evidence(baseRes)
	littleBefore, allBefore := evidence(settled)
	fmt.Fprintf(&b, "honest people whose summary reads %q: %.1f %% (%.1f %% before praise needs knowledge)\n", ConfidenceWords(0.1), little, littleBefore)
	old := 0
	for _, id := range baseHonest {
		if p := baseRes.Person(id); p != nil && ConfidenceWords(p.Confidence) == ConfidenceWords(0.1) {
			old++
		}
	}
	fmt.Fprintf(&b, "honest people whose confidence is in the range of %q: %.1f %%\n", ConfidenceWords(0.1), 100*float64(old)/float64(len(baseHonest)))
	fmt.Fprintf(&b, "what the honest people's summaries say of the evidence: %s\n  before praise needs knowledge: %s\n", all, allBefore)
	t.Log("\n" + b.String())
	return rows
}

// ringRuns lists the ring shapes of cfg's lift and bound runs: every
// shape as it is, and with its fakes rated by honest people (ratedRing).
func ringRuns(cfg evalConfig) []string {
	var out []string
	for _, shape := range cfg.ringShapeNames {
		out = append(out, shape, shape+ratedRing)
	}
	return out
}

// eachRing adds every ring of cfg (every shape, with and without honest
// ratings of its fakes, every size and number of attack edges), one at a
// time, to a copy of base, aimed at each target in aims that is not "",
// and calls f with the target's index, the ring's name
// (shape fakes/edges), the world with it, its fakes and the model's
// result on that world (by compute).
func eachRing(cfg evalConfig, base *evalWorld, aims []string, compute func(*Input) *Result, f func(j int, ring string, w *evalWorld, fakes []string, res *Result)) {
	for j, target := range aims {
		if target == "" {
			continue
		}
		for _, shape := range ringRuns(cfg) {
			for _, size := range cfg.ringSizes {
				for _, edges := range cfg.ringEdges {
					w := base.clone()
					fakes := w.addRing(shape, size, edges, target)
					f(j, fmt.Sprintf("%s %d/%d", shape, size, edges), w, fakes, compute(w.in))
				}
			}
		}
	}
}

// TestEvaluation runs the harness and checks the figures issue 13 asks
// for: the personal model at least as good as every baseline at ranking
// cheats below honest people, a score for at least 95 % of the people with
// any rating, no ring lifting its target by more than 10 percentiles of
// honest people, and the fakes within the bound in every case. The cheat
// AUC is judged on its mean over the six worlds of the same size drawn
// with seeds 1 to 6, fixed before the model was: one world's AUC over its
// 14 to 87 cheats has a standard error of 0.08 to 0.03, more than the
// differences it would judge (MODEL.md §10, "How the cheat AUC is
// judged"). The table shows this world's AUC beside the mean.
func TestEvaluation(t *testing.T) {
	size, seed := smallEval, uint64(1)
	switch os.Getenv("TRUSTDESK_EVAL") {
	case "big":
		size = bigEval
	case "medium":
		size, seed = mediumEval, 3
	}
	cfgs := []evalConfig{size(seed)}
	if testing.Short() {
		cfgs[0].ringSizes = cfgs[0].ringSizes[:1]
	}
	for _, cfg := range cfgs {
		rows := runEval(t, cfg, size)
		ours := rows[methods[0].name]
		for _, m := range methods[2:] {
			r := rows[m.name]
			if ours.seedsAUC < r.seedsAUC {
				t.Errorf("cheat AUC over seeds 1–%d: %.3f below %s's %.3f", evalSeeds, ours.seedsAUC, m.name, r.seedsAUC)
			}
			if ours.cheatAUC < r.cheatAUC {
				t.Logf("seed %d alone: cheat AUC %.3f below %s's %.3f (within its noise; judged over the six worlds)", cfg.seed, ours.cheatAUC, m.name, r.cheatAUC)
			}
		}
		if ours.coverage < 0.95 {
			t.Errorf("seed %d: coverage %.3f", cfg.seed, ours.coverage)
		}
		for j, name := range [targets]string{"the known cheat", "the unflagged cheat"} {
			if ours.worstLift[j] > 10 {
				t.Errorf("seed %d: a %s ring lifts %s by %.1f percentiles", cfg.seed, ours.worstRing[j], name, ours.worstLift[j])
			}
		}
	}
}

// fellBelow counts the honest people whom a ring moved from above its
// target to below it in the model's list (before, after), and how many of
// them had no flag before and have one after.
func fellBelow(before, after *Result, honest []string, target string) (fell, flagged int) {
	tb, ta := before.Person(target).Rank(), after.Person(target).Rank()
	for _, h := range honest {
		b, a := before.Person(h), after.Person(h)
		if b.Rank() > tb && a.Rank() < ta {
			fell++
			if b.Flags == 0 && a.Flags > 0 {
				flagged++
			}
		}
	}
	return fell, flagged
}
