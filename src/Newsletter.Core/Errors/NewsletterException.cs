namespace Newsletter.Core.Errors;

/// <summary>
/// A rule of the newsletter refused what was asked: an issue or send that does not exist, a send in a state that does not allow
/// it, lists or story files that do not validate. The message names what is wrong and the fix, for the operator who asked.
/// Services throw these and never know who asked; the command line maps them to exit codes and the web to HTTP status codes,
/// each in one place.
/// </summary>
public abstract class NewsletterException(string message, Exception? innerException = null) : Exception(message, innerException);
