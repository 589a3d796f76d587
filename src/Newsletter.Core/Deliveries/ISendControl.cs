using Newsletter.Core.Errors;

namespace Newsletter.Core.Deliveries;

/// <summary>
/// What an operator may do to a send that exists, by its id: pause it, resume it, cancel it. The command line
/// (<c>pause</c>, <c>resume</c>, <c>cancel</c>) and the /sends page's buttons both go through here, so they obey the same rules
/// and say the same things when a send's state refuses.
/// </summary>
public interface ISendControl
{
    /// <summary>Stops the send before its next message (the one on the wire finishes); nothing more is claimed until it is resumed.</summary>
    /// <param name="reason">Why, for <c>status</c> and /sends: who paused it, in words.</param>
    /// <returns>The send, paused.</returns>
    /// <exception cref="SendNotFoundException">No send has this id.</exception>
    /// <exception cref="SendStateConflictException">The send has finished or was cancelled.</exception>
    Task<Send> PauseAsync(long sendId, string reason, CancellationToken cancellationToken);

    /// <summary>
    /// Lets a paused send run again (an unfinished one that is not paused is carried on) and queues its fan-out: a send that
    /// had not started waits for its own time again. Deliveries left in flight by a dead worker are taken back first.
    /// </summary>
    /// <returns>The send as it stands now: scheduled (with its time) or running.</returns>
    /// <exception cref="SendNotFoundException">No send has this id.</exception>
    /// <exception cref="SendStateConflictException">The send has finished or was cancelled.</exception>
    /// <remarks>The issue is rendered first, so a template that does not render throws its error (naming the file and line) and nothing is queued.</remarks>
    Task<Send> ResumeAsync(long sendId, CancellationToken cancellationToken);

    /// <summary>Stops the send for good: every delivery not sent yet is marked cancelled and never sent. Messages already sent stay sent.</summary>
    /// <returns>How many deliveries were cancelled by this call.</returns>
    /// <exception cref="SendNotFoundException">No send has this id.</exception>
    /// <exception cref="SendStateConflictException">The send has finished.</exception>
    Task<int> CancelAsync(long sendId, CancellationToken cancellationToken);
}
