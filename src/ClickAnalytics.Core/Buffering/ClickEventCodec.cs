using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Net;
using System.Text;
using System.Text.Json;

namespace ClickAnalytics.Buffering;

/// <summary>
/// Turns a <see cref="ClickEvent"/> into the bytes of one stream entry and back.
/// <para>
/// Binary layout: a version byte (<see cref="BinaryVersion1"/>) followed by fields, each written as
/// <c>tag (varint) · length (varint) · payload</c>. Absent values are left out; a reader skips tags it
/// does not know by their length, so a producer may add fields without breaking older consumers, and
/// a consumer that knows the field reads it. Strings are UTF-8, the timestamp is UTC ticks, the IP is
/// its 4 or 16 address bytes.
/// </para>
/// <para>JSON entries start with '{' and carry the same fields by name; unknown names are skipped.</para>
/// </summary>
internal static class ClickEventCodec
{
    public const byte BinaryVersion1 = 0xB1;

    private const int TagEventId = 1;
    private const int TagTimestamp = 2;
    private const int TagLinkId = 3;
    private const int TagTenantId = 4;
    private const int TagClientIp = 5;
    private const int TagUserAgent = 6;
    private const int TagReferer = 7;
    private const int TagAcceptLanguage = 8;
    private const int TagQueryString = 9;
    private const int TagDestinationUrl = 10;
    private const int TagFlags = 11;
    private const int TagTag = 12;

    public static byte[] Encode(ClickEvent click, ClickEncoding encoding, ArrayBufferWriter<byte> scratch)
    {
        scratch.ResetWrittenCount();
        if (encoding == ClickEncoding.Json)
        {
            WriteJson(click, scratch);
        }
        else
        {
            WriteBinary(click, scratch);
        }

        return scratch.WrittenSpan.ToArray();
    }

    public static bool TryDecode(ReadOnlySpan<byte> data, out ClickEvent? click, out string? error)
    {
        if (data.IsEmpty)
        {
            click = null;
            error = "The entry is empty.";
            return false;
        }

        if (data[0] == BinaryVersion1)
        {
            return TryReadBinary(data[1..], out click, out error);
        }

        if (data[0] == (byte)'{')
        {
            return TryReadJson(data, out click, out error);
        }

        click = null;
        error = $"Unknown entry format 0x{data[0]:X2}.";
        return false;
    }

    // ---- binary ----

    private static void WriteBinary(ClickEvent click, ArrayBufferWriter<byte> writer)
    {
        writer.GetSpan(1)[0] = BinaryVersion1;
        writer.Advance(1);

        Span<byte> guid = stackalloc byte[16];
        click.EventId.TryWriteBytes(guid, bigEndian: true, out _);
        WriteField(writer, TagEventId, guid);

        Span<byte> ticks = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(ticks, click.Timestamp.UtcTicks);
        WriteField(writer, TagTimestamp, ticks);

        WriteString(writer, TagLinkId, click.LinkId);
        WriteString(writer, TagTenantId, click.TenantId);
        if (click.ClientIp is { } ip)
        {
            Span<byte> address = stackalloc byte[16];
            if (ip.TryWriteBytes(address, out int written))
            {
                WriteField(writer, TagClientIp, address[..written]);
            }
        }

        WriteString(writer, TagUserAgent, click.UserAgent);
        WriteString(writer, TagReferer, click.Referer);
        WriteString(writer, TagAcceptLanguage, click.AcceptLanguage);
        WriteString(writer, TagQueryString, click.QueryString);
        WriteString(writer, TagDestinationUrl, click.DestinationUrl);
        if (click.Flags != ClickFlags.None)
        {
            Span<byte> flags = stackalloc byte[5];
            int length = WriteVarint(flags, (uint)click.Flags);
            WriteField(writer, TagFlags, flags[..length]);
        }

        if (click.Tags is { Count: > 0 } tags)
        {
            foreach (KeyValuePair<string, string> tag in tags)
            {
                WriteTag(writer, tag.Key, tag.Value);
            }
        }
    }

    private static void WriteTag(ArrayBufferWriter<byte> writer, string key, string value)
    {
        // A tag is one field: varint key length, key, value.
        int keyBytes = Encoding.UTF8.GetByteCount(key);
        int valueBytes = Encoding.UTF8.GetByteCount(value);
        Span<byte> keyLength = stackalloc byte[5];
        int keyLengthBytes = WriteVarint(keyLength, (uint)keyBytes);
        WriteHeader(writer, TagTag, keyLengthBytes + keyBytes + valueBytes);
        writer.Write(keyLength[..keyLengthBytes]);
        writer.Advance(Encoding.UTF8.GetBytes(key, writer.GetSpan(keyBytes)));
        writer.Advance(Encoding.UTF8.GetBytes(value, writer.GetSpan(valueBytes)));
    }

    private static void WriteString(ArrayBufferWriter<byte> writer, int tag, string? value)
    {
        if (value is null)
        {
            return;
        }

        int byteCount = Encoding.UTF8.GetByteCount(value);
        WriteHeader(writer, tag, byteCount);
        writer.Advance(Encoding.UTF8.GetBytes(value, writer.GetSpan(byteCount)));
    }

    private static void WriteField(ArrayBufferWriter<byte> writer, int tag, ReadOnlySpan<byte> payload)
    {
        WriteHeader(writer, tag, payload.Length);
        writer.Write(payload);
    }

    private static void WriteHeader(ArrayBufferWriter<byte> writer, int tag, int length)
    {
        Span<byte> header = writer.GetSpan(10);
        int written = WriteVarint(header, (uint)tag);
        written += WriteVarint(header[written..], (uint)length);
        writer.Advance(written);
    }

    private static int WriteVarint(Span<byte> destination, uint value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    private static bool TryReadVarint(ReadOnlySpan<byte> source, ref int position, out uint value)
    {
        value = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            if (position >= source.Length)
            {
                return false;
            }

            byte b = source[position++];
            value |= (uint)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }

    private static bool TryReadBinary(ReadOnlySpan<byte> data, out ClickEvent? click, out string? error)
    {
        var fields = new DecodedFields();
        int position = 0;
        while (position < data.Length)
        {
            if (!TryReadVarint(data, ref position, out uint tag) || !TryReadVarint(data, ref position, out uint length)
                || length > (uint)(data.Length - position))
            {
                click = null;
                error = $"Truncated field at byte {position + 1}.";
                return false;
            }

            ReadOnlySpan<byte> payload = data.Slice(position, (int)length);
            position += (int)length;
            if (!fields.TryRead((int)tag, payload, out error))
            {
                click = null;
                return false;
            }
        }

        return fields.TryBuild(out click, out error);
    }

    /// <summary>Field values as they are read, before the required ones are checked.</summary>
    private struct DecodedFields
    {
        public Guid? EventId;
        public DateTimeOffset? Timestamp;
        public string? LinkId;
        public string? TenantId;
        public IPAddress? ClientIp;
        public string? UserAgent;
        public string? Referer;
        public string? AcceptLanguage;
        public string? QueryString;
        public string? DestinationUrl;
        public ClickFlags Flags;
        public Dictionary<string, string>? Tags;

        public bool TryRead(int tag, ReadOnlySpan<byte> payload, out string? error)
        {
            error = null;
            switch (tag)
            {
                case TagEventId:
                    if (payload.Length != 16)
                    {
                        error = "The event id is not 16 bytes.";
                        return false;
                    }

                    EventId = new Guid(payload, bigEndian: true);
                    return true;
                case TagTimestamp:
                    if (payload.Length != 8)
                    {
                        error = "The timestamp is not 8 bytes.";
                        return false;
                    }

                    long ticks = BinaryPrimitives.ReadInt64LittleEndian(payload);
                    if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
                    {
                        error = "The timestamp is out of range.";
                        return false;
                    }

                    Timestamp = new DateTimeOffset(ticks, TimeSpan.Zero);
                    return true;
                case TagLinkId:
                    LinkId = Encoding.UTF8.GetString(payload);
                    return true;
                case TagTenantId:
                    TenantId = Encoding.UTF8.GetString(payload);
                    return true;
                case TagClientIp:
                    if (payload.Length is 4 or 16)
                    {
                        ClientIp = new IPAddress(payload);
                    }

                    return true;
                case TagUserAgent:
                    UserAgent = Encoding.UTF8.GetString(payload);
                    return true;
                case TagReferer:
                    Referer = Encoding.UTF8.GetString(payload);
                    return true;
                case TagAcceptLanguage:
                    AcceptLanguage = Encoding.UTF8.GetString(payload);
                    return true;
                case TagQueryString:
                    QueryString = Encoding.UTF8.GetString(payload);
                    return true;
                case TagDestinationUrl:
                    DestinationUrl = Encoding.UTF8.GetString(payload);
                    return true;
                case TagFlags:
                    int position = 0;
                    if (!TryReadVarint(payload, ref position, out uint flags))
                    {
                        error = "The flags are truncated.";
                        return false;
                    }

                    Flags = (ClickFlags)flags;
                    return true;
                case TagTag:
                    int keyStart = 0;
                    if (!TryReadVarint(payload, ref keyStart, out uint keyLength) || keyLength > (uint)(payload.Length - keyStart))
                    {
                        error = "A tag is truncated.";
                        return false;
                    }

                    Tags ??= new Dictionary<string, string>(StringComparer.Ordinal);
                    Tags[Encoding.UTF8.GetString(payload.Slice(keyStart, (int)keyLength))] =
                        Encoding.UTF8.GetString(payload[(keyStart + (int)keyLength)..]);
                    return true;
                default:
                    // A field from a newer producer: skipped, the rest of the click is still read.
                    return true;
            }
        }

        public readonly bool TryBuild(out ClickEvent? click, out string? error)
        {
            if (EventId is not { } eventId || Timestamp is not { } timestamp || LinkId is null)
            {
                click = null;
                error = "The entry lacks the event id, the timestamp or the link id.";
                return false;
            }

            click = new ClickEvent
            {
                EventId = eventId,
                Timestamp = timestamp,
                LinkId = LinkId,
                TenantId = TenantId,
                ClientIp = ClientIp,
                UserAgent = UserAgent,
                Referer = Referer,
                AcceptLanguage = AcceptLanguage,
                QueryString = QueryString,
                DestinationUrl = DestinationUrl,
                Flags = Flags,
                Tags = Tags,
            };
            error = null;
            return true;
        }
    }

    // ---- JSON ----

    private static readonly JsonEncodedText JsonVersion = JsonEncodedText.Encode("v");
    private static readonly JsonEncodedText JsonEventId = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText JsonTimestamp = JsonEncodedText.Encode("ts");
    private static readonly JsonEncodedText JsonLinkId = JsonEncodedText.Encode("link");
    private static readonly JsonEncodedText JsonTenantId = JsonEncodedText.Encode("tenant");
    private static readonly JsonEncodedText JsonClientIp = JsonEncodedText.Encode("ip");
    private static readonly JsonEncodedText JsonUserAgent = JsonEncodedText.Encode("ua");
    private static readonly JsonEncodedText JsonReferer = JsonEncodedText.Encode("ref");
    private static readonly JsonEncodedText JsonAcceptLanguage = JsonEncodedText.Encode("lang");
    private static readonly JsonEncodedText JsonQueryString = JsonEncodedText.Encode("qs");
    private static readonly JsonEncodedText JsonDestinationUrl = JsonEncodedText.Encode("dest");
    private static readonly JsonEncodedText JsonFlags = JsonEncodedText.Encode("flags");
    private static readonly JsonEncodedText JsonTags = JsonEncodedText.Encode("tags");

    private static void WriteJson(ClickEvent click, ArrayBufferWriter<byte> buffer)
    {
        using var writer = new Utf8JsonWriter(buffer);
        writer.WriteStartObject();
        writer.WriteNumber(JsonVersion, 1);
        writer.WriteString(JsonEventId, click.EventId);
        writer.WriteNumber(JsonTimestamp, click.Timestamp.UtcTicks);
        writer.WriteString(JsonLinkId, click.LinkId);
        WriteJsonString(writer, JsonTenantId, click.TenantId);
        if (click.ClientIp is { } ip)
        {
            writer.WriteString(JsonClientIp, ip.ToString());
        }

        WriteJsonString(writer, JsonUserAgent, click.UserAgent);
        WriteJsonString(writer, JsonReferer, click.Referer);
        WriteJsonString(writer, JsonAcceptLanguage, click.AcceptLanguage);
        WriteJsonString(writer, JsonQueryString, click.QueryString);
        WriteJsonString(writer, JsonDestinationUrl, click.DestinationUrl);
        if (click.Flags != ClickFlags.None)
        {
            writer.WriteNumber(JsonFlags, (int)click.Flags);
        }

        if (click.Tags is { Count: > 0 } tags)
        {
            writer.WriteStartObject(JsonTags);
            foreach (KeyValuePair<string, string> tag in tags)
            {
                writer.WriteString(tag.Key, tag.Value);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteJsonString(Utf8JsonWriter writer, JsonEncodedText name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static bool TryReadJson(ReadOnlySpan<byte> data, out ClickEvent? click, out string? error)
    {
        var fields = new DecodedFields();
        try
        {
            var reader = new Utf8JsonReader(data);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                click = null;
                error = "The JSON entry is not an object.";
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals(JsonTags.EncodedUtf8Bytes))
                {
                    reader.Read();
                    ReadJsonTags(ref reader, ref fields);
                    continue;
                }

                int tag = JsonTag(ref reader);
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                {
                    continue;
                }

                switch (tag)
                {
                    case TagEventId:
                        fields.EventId = reader.GetGuid();
                        break;
                    case TagTimestamp:
                        fields.Timestamp = new DateTimeOffset(reader.GetInt64(), TimeSpan.Zero);
                        break;
                    case TagClientIp:
                        fields.ClientIp = IPAddress.TryParse(reader.GetString(), out IPAddress? ip) ? ip : null;
                        break;
                    case TagFlags:
                        fields.Flags = (ClickFlags)reader.GetInt32();
                        break;
                    case TagLinkId:
                    case TagTenantId:
                    case TagUserAgent:
                    case TagReferer:
                    case TagAcceptLanguage:
                    case TagQueryString:
                    case TagDestinationUrl:
                        SetString(ref fields, tag, reader.GetString());
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or ArgumentOutOfRangeException)
        {
            click = null;
            error = "Malformed JSON entry: " + ex.Message;
            return false;
        }

        return fields.TryBuild(out click, out error);
    }

    private static void ReadJsonTags(ref Utf8JsonReader reader, ref DecodedFields fields)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        fields.Tags ??= new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType == JsonTokenType.String)
            {
                fields.Tags[key] = reader.GetString()!;
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private static int JsonTag(ref Utf8JsonReader reader)
    {
        if (reader.ValueTextEquals(JsonEventId.EncodedUtf8Bytes)) return TagEventId;
        if (reader.ValueTextEquals(JsonTimestamp.EncodedUtf8Bytes)) return TagTimestamp;
        if (reader.ValueTextEquals(JsonLinkId.EncodedUtf8Bytes)) return TagLinkId;
        if (reader.ValueTextEquals(JsonTenantId.EncodedUtf8Bytes)) return TagTenantId;
        if (reader.ValueTextEquals(JsonClientIp.EncodedUtf8Bytes)) return TagClientIp;
        if (reader.ValueTextEquals(JsonUserAgent.EncodedUtf8Bytes)) return TagUserAgent;
        if (reader.ValueTextEquals(JsonReferer.EncodedUtf8Bytes)) return TagReferer;
        if (reader.ValueTextEquals(JsonAcceptLanguage.EncodedUtf8Bytes)) return TagAcceptLanguage;
        if (reader.ValueTextEquals(JsonQueryString.EncodedUtf8Bytes)) return TagQueryString;
        if (reader.ValueTextEquals(JsonDestinationUrl.EncodedUtf8Bytes)) return TagDestinationUrl;
        if (reader.ValueTextEquals(JsonFlags.EncodedUtf8Bytes)) return TagFlags;
        return 0;
    }

    private static void SetString(ref DecodedFields fields, int tag, string? value)
    {
        switch (tag)
        {
            case TagLinkId: fields.LinkId = value; break;
            case TagTenantId: fields.TenantId = value; break;
            case TagUserAgent: fields.UserAgent = value; break;
            case TagReferer: fields.Referer = value; break;
            case TagAcceptLanguage: fields.AcceptLanguage = value; break;
            case TagQueryString: fields.QueryString = value; break;
            default: fields.DestinationUrl = value; break;
        }
    }
}
