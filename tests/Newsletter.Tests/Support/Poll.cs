namespace Newsletter.Tests.Support;

/// <summary>Waiting for a condition that other processes make true (a server registering, a send finishing).</summary>
public static class Poll
{
    /// <summary>Checks <paramref name="condition"/> every 200 ms until it holds.</summary>
    /// <exception cref="TimeoutException">It did not hold within <paramref name="timeout"/>; the message names <paramref name="what"/>.</exception>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited {timeout} for {what}.");
            }
            await Task.Delay(200);
        }
    }
}
