-- Attachments used to keep whatever content type the sender claimed (e.g. 'audio/mpeg; x=1, text/html') and
-- whatever file name it gave. New files go through the attachment policy (server/src/storage/attachment-policy.ts);
-- this brings stored rows to the same rule: a plain, allow-listed type/subtype, else application/octet-stream, and
-- a file name without path parts, control characters or bidi overrides. The bytes themselves are untouched.
UPDATE attachments SET content_type = lower(btrim(content_type))
 WHERE content_type <> lower(btrim(content_type));

UPDATE attachments SET content_type = 'application/octet-stream'
 WHERE content_type NOT IN (
   'image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp', 'image/apng',
   'audio/mpeg', 'audio/ogg', 'audio/wav', 'audio/webm', 'audio/aac', 'audio/mp4', 'audio/x-m4a', 'audio/flac', 'audio/amr',
   'video/mp4', 'video/webm', 'video/ogg', 'video/quicktime', 'video/3gpp', 'video/x-m4v',
   'application/pdf',
   'image/heic', 'image/heif', 'image/tiff',
   'application/zip', 'application/gzip', 'application/x-7z-compressed', 'application/rtf', 'application/epub+zip', 'application/x-cfb',
   'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
   'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
   'application/vnd.openxmlformats-officedocument.presentationml.presentation',
   'application/vnd.oasis.opendocument.text', 'application/vnd.oasis.opendocument.spreadsheet', 'application/vnd.oasis.opendocument.presentation',
   'text/plain', 'text/csv', 'text/calendar', 'text/vcard',
   'application/octet-stream'
 );

UPDATE attachments
   SET filename = COALESCE(NULLIF(btrim(regexp_replace(
         regexp_replace(filename, '^.*[/\\]', ''),
         '[\x01-\x1f\x7f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]', '', 'g'), ' .'), ''), 'attachment')
 WHERE filename ~ '[/\\\x01-\x1f\x7f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]' OR filename ~ '^[ .]' OR filename ~ '[ .]$';
