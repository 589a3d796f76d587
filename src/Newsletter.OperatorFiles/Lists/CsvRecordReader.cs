using System.Text;

namespace Newsletter.OperatorFiles.Lists;

/// <summary>
/// A small streaming RFC 4180 reader: comma-separated, fields optionally in double quotes, "" for a quote
/// inside quotes, line breaks allowed inside quotes, CRLF / LF / CR line endings, blank lines skipped.
/// Reads one record at a time so a large file is never held in memory.
/// </summary>
internal sealed class CsvRecordReader(TextReader reader)
{
    private readonly StringBuilder _field = new();
    private int _line = 1;

    /// <summary>The physical line (1-based) on which the record last returned or rejected started.</summary>
    public int RecordLine { get; private set; }

    /// <summary>The physical line the reader is on now (for errors raised while decoding).</summary>
    public int CurrentLine => _line;

    /// <summary>Reads the next record, or <c>null</c> at the end of the input.</summary>
    /// <exception cref="CsvFormatException">The record is malformed. When <see cref="CsvFormatException.CanContinue"/> is true the reader has skipped to the next line.</exception>
    /// <exception cref="DecoderFallbackException">The input is not valid in the reader's encoding.</exception>
    public List<string>? ReadRecord()
    {
        while (true)
        {
            var c = reader.Read();
            if (c == -1)
                return null;

            RecordLine = _line;
            if (c is '\r' or '\n')
            {
                ConsumeNewline(c);
                continue;
            }

            var fields = new List<string>(2);
            while (true)
            {
                string value;
                if (c == '"')
                {
                    value = ReadQuoted();
                    c = reader.Read();
                    if (c is not (',' or '\r' or '\n' or -1))
                    {
                        SkipRestOfLine(c);
                        throw new CsvFormatException(RecordLine, "has a character after a closing quote; a quoted field must end right before a comma or the end of the line", canContinue: true);
                    }
                }
                else
                {
                    value = ReadUnquoted(ref c);
                }

                fields.Add(value);
                if (c == ',')
                {
                    c = reader.Read();
                    continue;
                }

                if (c is '\r' or '\n')
                    ConsumeNewline(c);
                return fields;
            }
        }
    }

    private string ReadUnquoted(ref int c)
    {
        _field.Clear();
        while (c is not (-1 or ',' or '\r' or '\n'))
        {
            if (c == '"')
            {
                SkipRestOfLine(c);
                throw new CsvFormatException(RecordLine, "has a quote inside an unquoted field; put the whole field in double quotes and double the inner quote (\"\")", canContinue: true);
            }

            _field.Append((char)c);
            c = reader.Read();
        }

        return _field.ToString();
    }

    private string ReadQuoted()
    {
        _field.Clear();
        while (true)
        {
            var c = reader.Read();
            switch (c)
            {
                case -1:
                    throw new CsvFormatException(RecordLine, "opens a quoted field that is never closed (the file ends inside the quotes)", canContinue: false);
                case '"' when reader.Peek() == '"':
                    reader.Read();
                    _field.Append('"');
                    break;
                case '"':
                    return _field.ToString();
                case '\r':
                case '\n':
                    _field.Append((char)c);
                    if (c == '\r' && reader.Peek() == '\n')
                        _field.Append((char)reader.Read());
                    _line++;
                    break;
                default:
                    _field.Append((char)c);
                    break;
            }
        }
    }

    private void ConsumeNewline(int c)
    {
        if (c == '\r' && reader.Peek() == '\n')
            reader.Read();
        _line++;
    }

    private void SkipRestOfLine(int c)
    {
        while (c is not (-1 or '\r' or '\n'))
            c = reader.Read();
        if (c != -1)
            ConsumeNewline(c);
    }
}

/// <summary>A malformed CSV record.</summary>
internal sealed class CsvFormatException(int line, string reason, bool canContinue) : Exception($"line {line} {reason}")
{
    public int Line { get; } = line;

    public string Reason { get; } = reason;

    /// <summary>False when the rest of the file cannot be read (e.g. an unclosed quote swallowed it).</summary>
    public bool CanContinue { get; } = canContinue;
}
