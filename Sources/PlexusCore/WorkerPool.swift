#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Threads that stay awake briefly between parallel loops. An operator's loop is often done in
/// a tenth of a millisecond, about what waking a sleeping thread takes, so with threads that
/// sleep at once (GCD's) a second core rarely helped. Workers here spin for a short while after
/// each loop and only then sleep on a condition variable.
///
/// One loop runs on the pool at a time. A caller that finds it busy (another session's thread),
/// and any loop started from inside a pool loop, gets `false` from `run` and does the work
/// another way; the pool never waits on itself.
final class WorkerPool: @unchecked Sendable {
    /// How long an idle worker spins before it sleeps, in checks of the job counter.
    private static let spinChecks = 100_000

    private let workers: Int
    /// Serialises callers: one loop on the pool at a time.
    private let busy = Atomic<Bool>(false)
    /// Bumped for each new loop; idle workers wait for it to change.
    private let generation = Atomic<Int>(0)
    /// The next chunk to claim and the chunks not yet finished in the current loop.
    private let nextChunk = Atomic<Int>(0)
    private let unfinished = Atomic<Int>(0)
    /// Workers asleep on `wakeup`.
    private let sleepers = Atomic<Int>(0)
    /// Guards the loop's description and `helpers`: a worker joins a loop only while it is
    /// published, and the caller unpublishes it only when no worker is still in it.
    private var mutex = pthread_mutex_t()
    private var wakeup = pthread_cond_t()
    private var body: ((Int) -> Void)?
    private var chunks = 0
    private var helpers = 0

    /// Set in a child process after fork: the workers did not come along (and the mutex may have
    /// been held by one of them), so the child never uses the pool.
    private static let forked = Atomic<Bool>(false)

    /// Marks the threads running pool work (workers, and callers while their loop runs).
    private static let inside: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// A pool of `workers` threads (the caller's thread works too).
    init(workers: Int) {
        self.workers = workers
        pthread_atfork(nil, nil) { WorkerPool.forked.store(true, ordering: .relaxed) }
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&wakeup, nil)
        for _ in 0..<workers {
            var thread = pthread_t()
            let context = Unmanaged.passRetained(self).toOpaque()
            pthread_create(&thread, nil, { context in
                let pool = Unmanaged<WorkerPool>.fromOpaque(context!).takeRetainedValue()
                pool.work()
                return nil
            }, context)
            pthread_detach(thread)
        }
    }

    /// Runs `body(chunk)` for every chunk in `0..<chunks` on the caller and the workers, and
    /// returns true when all are done; returns false at once, running nothing, when the pool is
    /// busy or the caller is itself inside a pool loop.
    func run(chunks: Int, _ body: (Int) -> Void) -> Bool {
        guard workers > 0, chunks > 1, pthread_getspecific(Self.inside) == nil, !Self.forked.load(ordering: .relaxed),
              busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        withoutActuallyEscaping(body) { body in
            pthread_mutex_lock(&mutex)
            self.body = body
            self.chunks = chunks
            nextChunk.store(0, ordering: .relaxed)
            unfinished.store(chunks, ordering: .relaxed)
            generation.add(1, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 { pthread_cond_broadcast(&wakeup) }
            pthread_mutex_unlock(&mutex)
            pthread_setspecific(Self.inside, UnsafeRawPointer(bitPattern: 1))
            claim(body, chunks)
            pthread_setspecific(Self.inside, nil)
            while unfinished.load(ordering: .acquiring) > 0 { sched_yield() }
            pthread_mutex_lock(&mutex)
            while helpers > 0 {  // a worker that joined late may still be looking for a chunk
                pthread_mutex_unlock(&mutex)
                sched_yield()
                pthread_mutex_lock(&mutex)
            }
            self.body = nil
            pthread_mutex_unlock(&mutex)
        }
        busy.store(false, ordering: .releasing)
        return true
    }

    /// Runs chunks of a loop until none are left.
    private func claim(_ body: (Int) -> Void, _ chunks: Int) {
        while true {
            let chunk = nextChunk.add(1, ordering: .relaxed).oldValue
            guard chunk < chunks else { return }
            body(chunk)
            unfinished.subtract(1, ordering: .releasing)
        }
    }

    /// Joins the published loop, if any, and helps until its chunks are all claimed.
    private func help() {
        if joinAndClaim() { leave() }
    }

    /// Runs chunks of the published loop; false when there is none. Its reference to the body
    /// ends when it returns, before `leave` lets the caller finish (withoutActuallyEscaping
    /// checks that the body does not outlive the call), hence a function of its own.
    @inline(never) private func joinAndClaim() -> Bool {
        pthread_mutex_lock(&mutex)
        let current = body, chunks = self.chunks
        if current != nil { helpers += 1 }
        pthread_mutex_unlock(&mutex)
        guard let current else { return false }
        claim(current, chunks)
        return true
    }

    /// Marks a helper as gone, after its last use of the body.
    private func leave() {
        pthread_mutex_lock(&mutex)
        helpers -= 1
        pthread_mutex_unlock(&mutex)
    }

    /// A worker's life: wait for a new loop (spinning, then sleeping), help with it, repeat.
    private func work() {
        pthread_setspecific(Self.inside, UnsafeRawPointer(bitPattern: 1))
        var seen = generation.load(ordering: .acquiring)
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins < Self.spinChecks {
                    if spins % 64 == 0 { sched_yield() }
                    continue
                }
                pthread_mutex_lock(&mutex)
                sleepers.add(1, ordering: .sequentiallyConsistent)
                while generation.load(ordering: .sequentiallyConsistent) == seen { pthread_cond_wait(&wakeup, &mutex) }
                sleepers.subtract(1, ordering: .sequentiallyConsistent)
                pthread_mutex_unlock(&mutex)
            }
            seen = generation.load(ordering: .acquiring)
            help()
        }
    }
}
