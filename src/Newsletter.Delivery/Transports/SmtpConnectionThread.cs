namespace Newsletter.Delivery.Transports;

/// <summary>
/// The thread one SMTP connection's blocking calls run on. A call made from any other thread is handed over and answered with
/// a task; the task's continuations then run on this thread, so a send loop that awaits one message and calls again moves
/// here after its first message and from then on runs inline, without a thread hop per message, until something it awaits
/// really waits (a database round trip, a delay). Callers still see ordinary tasks, so a test or a cancellation can wait on
/// them from elsewhere.
/// </summary>
internal sealed class SmtpConnectionThread : IDisposable
{
    private readonly Thread _thread;
    private readonly SemaphoreSlim _workReady = new(0);
    private Action? _work;
    private volatile bool _stopping;

    public SmtpConnectionThread(string name)
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Runs <paramref name="work"/> on this thread: at once when called from it, otherwise handed over.</summary>
    public Task<T> Run<T>(Func<T> work)
    {
        if (Thread.CurrentThread == _thread)
        {
            try
            {
                return Task.FromResult(work());
            }
            catch (Exception e)
            {
                return Task.FromException<T>(e);
            }
        }

        ObjectDisposedException.ThrowIf(_stopping, this);
        // Continuations run synchronously, here: this is what moves the caller's loop onto this thread.
        var done = new TaskCompletionSource<T>();
        _work = () =>
        {
            T result;
            try
            {
                result = work();
            }
            catch (Exception e)
            {
                done.SetException(e);
                return;
            }
            done.SetResult(result);
        };
        _workReady.Release();
        return done.Task;
    }

    private void Loop()
    {
        while (true)
        {
            _workReady.Wait();
            if (_stopping)
                return;
            var work = _work;
            _work = null;
            work?.Invoke();
        }
    }

    /// <summary>Lets the thread end once the call in progress (if any) returns.</summary>
    public void Dispose()
    {
        if (_stopping)
            return;
        _stopping = true;
        _workReady.Release();
    }
}
