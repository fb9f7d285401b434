"""Vietnamese first, English too: one catalog from English source text to Vietnamese.

Messages are written in English in code (errors, pages, QC); ``translate`` gives the
Vietnamese text. A missing entry falls back to English rather than failing.
"""

from __future__ import annotations

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}

VI: dict[str, str] = {
    # ---- statuses, kinds, roles --------------------------------------------------------
    "planned": "Kế hoạch",
    "in_production": "Đang sản xuất",
    "editing": "Đang biên tập",
    "review": "Chờ duyệt",
    "approved": "Đã duyệt",
    "scheduled": "Đã lên lịch",
    "aired": "Đã phát sóng",
    "archived": "Lưu trữ",
    "tv_report": "Phóng sự truyền hình",
    "radio_programme": "Chương trình phát thanh",
    "news": "Tin tức",
    "admin": "Quản trị",
    "editor": "Biên tập viên",
    "translator": "Biên dịch viên",
    "partner": "Đối tác",
    "queued": "Đang chờ",
    "running": "Đang chạy",
    "succeeded": "Hoàn tất",
    "failed": "Lỗi",
    "cancelled": "Đã huỷ",
    "master": "Bản gốc",
    "proxy": "Bản xem web",
    "audio": "Âm thanh (16 kHz)",
    "poster": "Ảnh đại diện",
    "waveform": "Dạng sóng",
    "peaks": "Dữ liệu dạng sóng",
    "created": "Tạo mới",
    "edited": "Sửa thông tin",
    "status": "Chuyển trạng thái",
    "media": "Nhập tư liệu",
    "pass": "Đạt",
    "fail": "Không đạt",
    "ingest": "Nhập tư liệu",
    "check": "Kiểm tra",
    "sha256": "Tính mã băm",
    "probe": "Đọc thông số",
    "transcode": "Chuyển mã",
    "store": "Lưu trữ",
    "reuse": "Dùng lại",
    "shots": "Tìm điểm chuyển cảnh",
    "tv": "Truyền hình",
    "radio": "Phát thanh",
    "station": "Của đài",
    # ---- navigation and pages ----------------------------------------------------------
    "Reports": "Tin bài",
    "Jobs": "Tác vụ",
    "Log in": "Đăng nhập",
    "Log out": "Đăng xuất",
    "Menu": "Trình đơn",
    "Choose the file or drop it here. It is sent in pieces: if the connection drops or the "
    "laptop closes, choose the same file again and the upload continues where it stopped.":
        "Chọn tệp hoặc kéo thả vào đây. Tệp được gửi từng phần: nếu mất kết nối hay gập máy, "
        "chọn lại đúng tệp đó và việc tải lên sẽ tiếp tục từ chỗ đã dừng.",
    "Connection lost; trying again…": "Mất kết nối; đang thử lại…",
    "Upload paused: no connection. It continues when you press Resume or choose the same file "
    "again.": "Tạm dừng tải lên: không có kết nối. Việc tải lên tiếp tục khi bạn bấm Tiếp tục "
    "hoặc chọn lại đúng tệp đó.",
    "All sent; checking the file…": "Đã gửi xong; đang kiểm tra tệp…",
    "Upload cancelled": "Đã hủy tải lên",
    "{time} left": "còn {time}",
    "Resume": "Tiếp tục",
    "Cancel upload": "Hủy tải lên",
    "No upload {token}": "Không có lượt tải lên {token}",
    "No upload {token}: it was finished, cancelled or given up after {days} days; start again":
        "Không có lượt tải lên {token}: đã xong, đã hủy hoặc bị bỏ sau {days} ngày; hãy tải lại từ đầu",
    "This upload was started by someone else": "Lượt tải lên này do người khác bắt đầu",
    "The file is empty": "Tệp rỗng",
    "Not enough disk space for {size}: {free} free; ask the administrator":
        "Không đủ dung lượng đĩa cho {size}: còn trống {free}; hãy báo quản trị viên",
    "A chunk may be at most {limit}": "Mỗi phần tối đa {limit}",
    "The chunk at byte {offset} arrived damaged (SHA-256 differs); send it again":
        "Phần bắt đầu ở byte {offset} bị hỏng khi truyền (SHA-256 khác); hãy gửi lại",
    "The server has {have} bytes of this file, not {offset}: continue from {have}":
        "Máy chủ đã có {have} byte của tệp này, không phải {offset}: tiếp tục từ {have}",
    "The chunk goes past the file's size ({size} bytes)":
        "Phần này vượt quá kích thước tệp ({size} byte)",
    "The upload is not complete: {have} of {size} bytes":
        "Chưa tải lên xong: {have} trên {size} byte",
    "The file arrived damaged: its SHA-256 is {got}, not {expected}; cancel and send it again":
        "Tệp bị hỏng khi truyền: SHA-256 là {got}, không phải {expected}; hãy hủy và gửi lại",
    "Give the file's size in bytes": "Hãy cho biết kích thước tệp tính bằng byte",
    "Send the chunk's position in the Upload-Offset header":
        "Hãy gửi vị trí của phần trong header Upload-Offset",
    "User name": "Tên đăng nhập",
    "Password": "Mật khẩu",
    "Wrong user name or password": "Sai tên đăng nhập hoặc mật khẩu",
    "New report": "Tin bài mới",
    "Search": "Tìm",
    "Search title, reporter, tags (with or without diacritics)":
        "Tìm tiêu đề, phóng viên, thẻ (có dấu hoặc không dấu)",
    "All channels": "Mọi kênh",
    "All statuses": "Mọi trạng thái",
    "Due from": "Hạn từ",
    "Due to": "Hạn đến",
    "Filter": "Lọc",
    "Title": "Tiêu đề",
    "English title": "Tiêu đề tiếng Anh",
    "Kind": "Thể loại",
    "Channels": "Kênh",
    "Target channels": "Kênh phát",
    "Original language": "Ngôn ngữ gốc",
    "Reporter": "Phóng viên",
    "Editor": "Biên tập",
    "Due date": "Hạn nộp",
    "Planned duration (seconds)": "Thời lượng dự kiến (giây)",
    "Duration": "Thời lượng",
    "Notes": "Ghi chú",
    "Tags (comma separated)": "Thẻ (cách nhau bởi dấu phẩy)",
    "Tags": "Thẻ",
    "Status": "Trạng thái",
    "Save": "Lưu",
    "Cancel": "Huỷ",
    "Edit": "Sửa",
    "No reports match": "Không có tin bài nào phù hợp",
    "History": "Lịch sử",
    "Media": "Tư liệu",
    "Loudness": "Độ lớn âm thanh",
    "Integrated": "Tích hợp",
    "True peak": "Đỉnh thực",
    "Loudness range": "Dải độ lớn",
    "Target": "Mục tiêu",
    "Channel": "Kênh",
    "Verdict": "Kết luận",
    "Upload master": "Tải lên bản gốc",
    "Choose a video or audio file": "Chọn tệp video hoặc âm thanh",
    "Upload": "Tải lên",
    "Uploading": "Đang tải lên",
    "Upload failed": "Tải lên thất bại",
    "Workflow": "Quy trình",
    "Move to": "Chuyển sang",
    "Comment": "Nhận xét",
    "Comment (required when sending back)": "Nhận xét (bắt buộc khi trả lại)",
    "Retry": "Chạy lại",
    "Cancel job": "Huỷ tác vụ",
    "Role": "Vai trò",
    "Size": "Dung lượng",
    "Resolution": "Độ phân giải",
    "Frame rate": "Tốc độ khung hình",
    "Video": "Hình",
    "Audio": "Tiếng",
    "No media yet: upload the master.": "Chưa có tư liệu: hãy tải lên bản gốc.",
    "The proxy is being made…": "Đang tạo bản xem web…",
    "Progress": "Tiến độ",
    "Step": "Bước",
    "Error": "Lỗi",
    "When": "Thời điểm",
    "Who": "Người thực hiện",
    "What": "Nội dung",
    "Report": "Tin bài",
    "Back to reports": "Về danh sách tin bài",
    "Saved": "Đã lưu",
    "Report created": "Đã tạo tin bài",
    "Ingest queued: job #{job_id}": "Đã xếp hàng nhập tư liệu: tác vụ #{job_id}",
    "Report moved to {status}": "Đã chuyển tin bài sang {status}",
    "Job #{job_id} queued again": "Đã xếp hàng lại tác vụ #{job_id}",
    "Job #{job_id} stopping": "Tác vụ #{job_id} đang dừng",
    "Page not found": "Không tìm thấy trang",
    "Something went wrong on our side; the error was logged.":
        "Đã có lỗi phía máy chủ; lỗi đã được ghi lại.",
    "The form expired or was sent twice; reload the page and try again.":
        "Biểu mẫu đã hết hạn hoặc bị gửi hai lần; hãy tải lại trang và thử lại.",
    "Not allowed": "Không được phép",
    "Your role may not open this page": "Vai trò của bạn không được mở trang này",
    "Partner portal": "Cổng đối tác",
    "Packages for {channel}": "Gói tư liệu cho {channel}",
    "No packages have been delivered yet.": "Chưa có gói tư liệu nào được giao.",
    "Signed in as": "Đăng nhập với tên",
    "Change": "Thay đổi",
    "Waveform": "Dạng sóng",
    "Player": "Trình phát",
    "Assets": "Tệp tư liệu",
    "Recent jobs": "Tác vụ gần đây",
    "none": "không có",
    "Any": "Bất kỳ",
    # ---- subtitles ---------------------------------------------------------------------
    "Subtitles": "Phụ đề",
    "Language": "Ngôn ngữ",
    "Cues": "Số câu",
    "Download": "Tải xuống",
    "No subtitle tracks yet": "Chưa có phụ đề",
    "Still needed for the target channels": "Các kênh phát còn cần",
    "Transcribe": "Nhận dạng giọng nói",
    "Subtitle file (SRT, WebVTT, TTML)": "Tệp phụ đề (SRT, WebVTT, TTML)",
    "Import": "Nhập",
    "errors": "lỗi",
    "warnings": "cảnh báo",
    "Fix automatically": "Tự động sửa",
    "NFC text, gaps between cues, too-short durations":
        "Chuẩn hoá NFC, khoảng cách giữa các câu, câu quá ngắn",
    "In": "Vào",
    "Out": "Ra",
    "Text": "Nội dung",
    "No cues yet": "Chưa có câu phụ đề",
    "original": "Ngôn ngữ gốc",
    "translation": "Bản dịch",
    "machine": "Máy",
    "human": "Người làm",
    "draft": "Bản nháp",
    "in_review": "Đang duyệt",
    "transcribe": "Nhận dạng giọng nói",
    "load model": "Nạp mô hình",
    "segment": "Chia câu phụ đề",
    "save": "Lưu",
    "no_speech": "Không có lời",
    "repetition": "Lặp lại",
    "low_logprob": "Độ tin cậy thấp",
    "artefact": "Ảo giác của Whisper",
    "low_confidence": "Có từ chưa chắc chắn",
    "Imported {n} cues into track #{track_id}": "Đã nhập {n} câu vào phụ đề #{track_id}",
    "Fixed automatically: {n} changes": "Đã tự động sửa: {n} thay đổi",
    "Transcription queued: job #{job_id}": "Đã xếp hàng nhận dạng giọng nói: tác vụ #{job_id}",
    "No subtitle track #{track_id}": "Không có phụ đề #{track_id}",
    "The report already has a {language} track (#{track_id}); open it, or delete it first":
        "Tin bài đã có phụ đề {language} (#{track_id}); hãy mở nó hoặc xoá trước",
    "The source track belongs to another report": "Phụ đề nguồn thuộc tin bài khác",
    "An approved track cannot be deleted; reopen it first":
        "Không xoá được phụ đề đã duyệt; hãy mở lại trước",
    "Ingest the master first: transcription reads its audio":
        "Hãy nhập bản gốc trước: nhận dạng giọng nói đọc âm thanh của nó",
    "The track is approved and read-only; a reviewer must reopen it":
        "Phụ đề đã duyệt và chỉ đọc; người duyệt phải mở lại",
    "You translate {languages}, not {language}": "Bạn dịch {languages}, không phải {language}",
    "A subtitle file over 5 MB is not a subtitle file":
        "Tệp phụ đề trên 5 MB không phải tệp phụ đề",
    "Station reads {name} files but does not write them":
        "Station đọc được tệp {name} nhưng không ghi",
    "Report #{report_id} has no {language} track": "Tin bài #{report_id} chưa có phụ đề {language}",
    "No speech engine knows {language}; create the track by hand (or make an empty "
    "cue grid from voice activity and type the text)":
        "Chưa có công cụ nhận dạng giọng nói nào cho tiếng {language}; hãy tạo phụ đề thủ "
        "công (hoặc tạo khung câu trống theo giọng nói rồi gõ chữ)",
    "Unknown speech engine {name}; Station has: {names}":
        "Không có công cụ nhận dạng {name}; Station có: {names}",
    "{engine} cannot transcribe {language}": "{engine} không nhận dạng được tiếng {language}",
    "{engine} cannot run here: {reason}": "{engine} không chạy được trên máy này: {reason}",
    "Setting transcription_engines: {item!r} is not LANG=ENGINE":
        "Thiết lập transcription_engines: {item!r} không có dạng NGÔN_NGỮ=CÔNG_CỤ",
    "viet-asr could not be loaded: {error}": "Không tải được viet-asr: {error}",
    "{tool} is not installed (Debian: postgresql-client-NN matching the server)":
        "Chưa cài {tool} (Debian: gói postgresql-client-NN cùng phiên bản với máy chủ)",
    "{tool} failed: {error}": "{tool} bị lỗi: {error}",
    "Cannot back up an in-memory SQLite database":
        "Không thể sao lưu cơ sở dữ liệu SQLite nằm trong bộ nhớ",
    "{path} is not empty: choose a new folder": "{path} không trống: hãy chọn một thư mục mới",
    "Manifest path outside the media store: {path}":
        "Đường dẫn trong danh mục nằm ngoài kho tư liệu: {path}",
    "{path} is not a Station backup (no backup.json)":
        "{path} không phải bản sao lưu của Station (không có backup.json)",
    "The backup holds a {theirs} database; this instance uses {ours}":
        "Bản sao lưu chứa cơ sở dữ liệu {theirs}; hệ thống này dùng {ours}",
    "The database is not empty: restore with --force to replace it":
        "Cơ sở dữ liệu không trống: dùng --force để khôi phục đè lên",
    "Which speech engine hears this report": "Công cụ nhận dạng giọng nói cho phóng sự này",
    "Engine": "Công cụ",
    "{value} is not a day between {first} and {last} (YYYY-MM-DD)":
        "{value} không phải là một ngày từ {first} đến {last} (NNNN-TT-NN)",
    # durations people type (station.timecode.parse_duration)
    "\u201c{value}\u201d is not a duration: write 90 (seconds), 1:30, 00:01:30 or "
    "00:01:30:12 (frames)":
        "\u201c{value}\u201d không phải là thời lượng: hãy viết 90 (giây), 1:30, 00:01:30 "
        "hoặc 00:01:30:12 (khung hình)",
    "\u201c{value}\u201d: seconds must be under 60 (here {seconds})":
        "\u201c{value}\u201d: số giây phải nhỏ hơn 60 (đang là {seconds})",
    "\u201c{value}\u201d: minutes must be under 60 after the hours (here {minutes})":
        "\u201c{value}\u201d: số phút sau số giờ phải nhỏ hơn 60 (đang là {minutes})",
    "\u201c{value}\u201d: frames must be under {limit} at {fps} fps (here {frames})":
        "\u201c{value}\u201d: số khung hình phải nhỏ hơn {limit} ở {fps} hình/giây "
        "(đang là {frames})",
    "\u201c{value}\u201d is longer than {limit}": "\u201c{value}\u201d dài hơn {limit}",
    "Planned duration": "Thời lượng dự kiến",
    "90 (seconds), 1:30, 00:01:30 or 00:01:30:12 (frames)":
        "90 (giây), 1:30, 00:01:30 hoặc 00:01:30:12 (khung hình)",
    "not installed": "chưa cài đặt",
    "The Whisper model is not installed at {path}; run `station models install`":
        "Chưa cài mô hình Whisper tại {path}; hãy chạy `station models install`",
    "The Whisper model could not be loaded: {error}": "Không nạp được mô hình Whisper: {error}",
    # shot changes (docs/subtitles.md)
    "Retime to shot changes": "Căn thời gian theo điểm chuyển cảnh",
    "In and out points within {snap} frames of a shot change move onto it; others keep "
    "{berth} frames away from it":
        "Điểm vào, ra cách điểm chuyển cảnh trong vòng {snap} khung hình được dời về đúng "
        "điểm đó; các điểm khác giữ cách xa ít nhất {berth} khung hình",
    "Retimed to shot changes: {n} cues moved": "Đã căn theo điểm chuyển cảnh: dời {n} câu",
    "Ingest the master first: shot changes are found in its picture":
        "Hãy nhập bản gốc trước: điểm chuyển cảnh được tìm trong hình ảnh của nó",
    "The master has no picture, so it has no shot changes":
        "Bản gốc không có hình ảnh nên không có điểm chuyển cảnh",
    "The master was ingested before Station looked for shot changes; upload the same file "
    "again to find them":
        "Bản gốc được nhập trước khi Station tìm điểm chuyển cảnh; hãy tải lên lại đúng tệp đó "
        "để tìm",
    "Shot change": "Điểm chuyển cảnh",
    "Shot changes: {n}": "Điểm chuyển cảnh: {n}",
    "The report's master changed meanwhile; look for its shot changes again":
        "Bản gốc của tin bài vừa thay đổi; hãy tìm lại điểm chuyển cảnh",
    "ffmpeg listed no shot changes; see the log":
        "ffmpeg không trả về danh sách điểm chuyển cảnh; xem nhật ký",
    # ---- translator workspace and review ------------------------------------------------
    "Translate": "Dịch phụ đề",
    "Translation": "Bản dịch",
    "Glossary": "Thuật ngữ",
    "Your languages": "Ngôn ngữ của bạn",
    "Open": "Mở",
    "Nothing waits in your languages": "Không có việc nào đang chờ trong ngôn ngữ của bạn",
    "Review report": "Báo cáo duyệt",
    "approved by": "duyệt bởi",
    "Print / PDF": "In / PDF",
    "No comments and no QC findings": "Không có nhận xét và không có lỗi kiểm tra",
    "Approved forms of names and terms per language; Whisper's misspellings listed as "
    "variants are corrected after transcription.":
        "Cách viết đã duyệt của tên riêng và thuật ngữ theo từng ngôn ngữ; các cách viết sai "
        "của Whisper ghi ở mục biến thể sẽ được sửa sau khi nhận dạng.",
    "Term": "Thuật ngữ",
    "Translations": "Bản dịch",
    "Variants": "Biến thể",
    "Delete": "Xoá",
    "New term": "Thuật ngữ mới",
    "Open in the editor": "Mở trình biên tập",
    "New track in": "Phụ đề mới bằng",
    "Create": "Tạo",
    "Empty cues from the voice": "Tạo khung câu trống theo giọng nói",
    "For speech no recogniser knows (Mông, Thái, Dao...): empty cues on the voice, a person "
    "types the text":
        "Cho tiếng nói chưa máy nào nhận dạng được (Mông, Thái, Dao...): tạo câu trống theo "
        "giọng nói, người gõ chữ vào",
    "Voice grid queued: job #{job_id}": "Đã xếp hàng tạo khung câu: tác vụ #{job_id}",
    "voice_grid": "Khung câu theo giọng nói",
    "voice activity": "Dò giọng nói",
    "error": "lỗi",
    "warning": "cảnh báo",
    "info": "ghi chú",
    "A track cannot go from {source} to {target}":
        "Phụ đề không thể chuyển từ {source} sang {target}",
    "Only a reviewer of {language} may do this":
        "Chỉ người duyệt tiếng {language} được làm việc này",
    "An empty track cannot be sent for review": "Không gửi duyệt được phụ đề trống",
    "Say what to fix: comment on the cues or give a reason":
        "Hãy nói cần sửa gì: nhận xét vào câu hoặc ghi lý do",
    "A comment needs text": "Nhận xét cần có nội dung",
    "No comment #{comment_id}": "Không có nhận xét #{comment_id}",
    "No cue #{cue_id}": "Không có câu #{cue_id}",
    "{who} changed this cue after you opened it; their text is: {text}":
        "{who} đã sửa câu này sau khi bạn mở; nội dung của họ: {text}",
    "Someone saved this cue at the same moment": "Có người vừa lưu câu này cùng lúc",
    "A cue must end after it starts": "Câu phải kết thúc sau khi bắt đầu",
    "A translated cue must stay inside its source cue's timing ({start} – {end} ms)":
        "Câu dịch phải nằm trong thời gian của câu gốc ({start} – {end} ms)",
    "Split inside the cue: between {start} and {end} ms":
        "Hãy tách bên trong câu: giữa {start} và {end} ms",
    "There is no next cue to merge with": "Không có câu sau để gộp",
    "Someone changed the next cue; reload before merging":
        "Có người đã sửa câu sau; hãy tải lại trước khi gộp",
    "Only reviewers edit the glossary": "Chỉ người duyệt được sửa thuật ngữ",
    "A glossary term needs its Vietnamese form": "Thuật ngữ cần có dạng tiếng Việt",
    "No glossary term #{term_id}": "Không có thuật ngữ #{term_id}",
    "The source text is too long to look up": "Câu nguồn quá dài để tra",
    "Ingest the master first: the grid follows its speech":
        "Hãy nhập bản gốc trước: khung câu đi theo giọng nói của nó",
    # ---- schedule ----------------------------------------------------------------------
    "Schedule": "Lịch phát sóng",
    "Times in": "Giờ theo",
    "the broadcast day starts at": "ngày phát sóng bắt đầu lúc",
    "Previous week": "Tuần trước",
    "This week": "Tuần này",
    "Next week": "Tuần sau",
    "problems to fix before publishing": "lỗi cần sửa trước khi công bố",
    "Publish": "Công bố",
    "Sheet": "Bảng in",
    "Ready": "Sẵn sàng",
    "Date": "Ngày",
    "Time": "Giờ",
    "Minutes": "Số phút",
    "Source": "Tệp phát",
    "Nothing planned": "Chưa có lịch",
    "Place a slot": "Xếp lịch",
    "a programme, not a report": "chương trình, không phải tin bài",
    "the report title by default": "mặc định là tiêu đề tin bài",
    "the report length by default": "mặc định là độ dài tin bài",
    "Place": "Xếp",
    "Weekly template": "Mẫu lịch hằng tuần",
    "Days": "Các ngày",
    "Or the nth weekday of the month (n,weekday: 1,6 = first Sunday)":
        "Hoặc thứ n trong tháng (n,thứ: 1,6 = Chủ nhật đầu tiên)",
    "From": "Từ",
    "Until": "Đến",
    "Save and make slots": "Lưu và tạo lịch",
    "As-run log": "Nhật ký phát sóng",
    "CSV: start, duration, title, id": "CSV: start, duration, title, id",
    "Slot #{slot_id} planned": "Đã xếp lịch #{slot_id}",
    "{day}: {n} slots published": "{day}: đã công bố {n} mục",
    "Template saved: {n} slots made": "Đã lưu mẫu: tạo {n} mục",
    "As-run imported: {summary}; missed: {missed}": "Đã nhập nhật ký: {summary}; bỏ lỡ: {missed}",
    "as_planned": "Đúng kế hoạch",
    "late": "Phát muộn",
    "short": "Phát thiếu",
    "unplanned": "Ngoài kế hoạch",
    "published": "Đã công bố",
    "missed": "Bỏ lỡ",
    "programme": "Chương trình",
    "filler": "Chương trình đệm",
    "live": "Trực tiếp",
    "report": "Tin bài",
    "Published schedule": "Lịch đã công bố",
    "subscribe to follow changes": "đăng ký để theo dõi thay đổi",
    "Nothing published for the next two weeks": "Chưa có lịch công bố cho hai tuần tới",
    "Give the slot a date and a time (HH:MM)": "Hãy nhập ngày và giờ (HH:MM)",
    "The duration is a number of minutes: {value}": "Thời lượng là số phút: {value}",
    "Give the slot a duration in seconds": "Hãy nhập thời lượng",
    "A report slot needs its report": "Mục tin bài cần chọn tin bài",
    "A slot needs a title": "Mục lịch cần có tiêu đề",
    "No slot #{slot_id}": "Không có mục lịch #{slot_id}",
    "{who} changed this slot after you opened it; reload to see it":
        "{who} đã sửa mục lịch này sau khi bạn mở; hãy tải lại trang",
    "An aired slot stays in the record": "Mục đã phát sóng được giữ lại trong hồ sơ",
    "{channel} has nothing planned on {day}": "{channel} chưa có lịch ngày {day}",
    "The day cannot be published: {count} problem(s): {problems}":
        "Chưa công bố được ngày này: {count} lỗi: {problems}",
    "The time is HH:MM, e.g. 19:00: {value}": "Giờ theo dạng HH:MM, ví dụ 19:00: {value}",
    "No template #{template_id}": "Không có mẫu #{template_id}",
    "The as-run log must be UTF-8 CSV": "Nhật ký phát sóng phải là CSV UTF-8",
    "The as-run CSV needs the columns start, duration, title (and optionally id)":
        "CSV nhật ký cần các cột start, duration, title (và id nếu có)",
    "Line {line}: bad start or duration ({start}, {duration})":
        "Dòng {line}: giờ bắt đầu hoặc thời lượng không hợp lệ ({start}, {duration})",
    "The as-run log has no entries": "Nhật ký phát sóng không có dòng nào",
    # ---- workspace page ----------------------------------------------------------------
    "translated from":
        "dịch từ",
    "approved by {who}, {when}":
        "duyệt bởi {who}, {when}",
    "read-only":
        "chỉ đọc",
    "All changes saved":
        "Đã lưu mọi thay đổi",
    "Send for review":
        "Gửi duyệt",
    "Approve":
        "Duyệt",
    "Send back":
        "Trả lại",
    "What should be fixed?":
        "Cần sửa gì?",
    "Send back to the translator":
        "Trả lại người dịch",
    "Reopen":
        "Mở lại",
    "Split":
        "Tách",
    "Merge":
        "Gộp",
    "Choose a cue to see suggestions":
        "Chọn một câu để xem gợi ý",
    "Translation memory":
        "Bộ nhớ dịch",
    "Source text":
        "Câu nguồn",
    "Loading…":
        "Đang tải…",
    "Keyboard shortcuts":
        "Phím tắt",
    "they work while you type":
        "dùng được cả khi đang gõ",
    "Play / pause":
        "Phát / dừng",
    "Play around the cue":
        "Phát quanh câu",
    "Previous cue":
        "Câu trước",
    "Next cue":
        "Câu sau",
    "Next cue to check":
        "Câu cần kiểm tra tiếp",
    "In: one frame earlier":
        "Điểm vào: sớm một khung hình",
    "In: one frame later":
        "Điểm vào: muộn một khung hình",
    "later":
        "muộn hơn",
    "Out: one frame earlier":
        "Điểm ra: sớm một khung hình",
    "Out: one frame later":
        "Điểm ra: muộn một khung hình",
    "the same by 10 frames":
        "như trên, 10 khung hình",
    "Set in at the playhead":
        "Đặt điểm vào tại đầu phát",
    "Set out at the playhead":
        "Đặt điểm ra tại đầu phát",
    "Split at the playhead or the cursor":
        "Tách tại đầu phát hoặc con trỏ",
    "Merge with the next cue":
        "Gộp với câu sau",
    "Confirm that a person checked this cue":
        "Xác nhận đã có người kiểm tra câu này",
    "Undo":
        "Hoàn tác",
    "text and timing":
        "chữ và thời gian",
    "Redo":
        "Làm lại",
    "Show or hide this help":
        "Hiện hoặc ẩn hướng dẫn này",
    "Every change is saved by itself a moment after you stop typing. Click the waveform to seek; drag the edges of the current cue to change its timing.":
        "Mọi thay đổi tự lưu ngay sau khi bạn ngừng gõ. Bấm vào dạng sóng để tua; kéo hai mép câu hiện tại để đổi thời gian.",
    "Close":
        "Đóng",
    "Someone else changed this cue":
        "Người khác đã sửa câu này",
    "Theirs":
        "Của họ",
    "Yours":
        "Của bạn",
    "Keep mine":
        "Giữ bản của tôi",
    "Take theirs":
        "Lấy bản của họ",
    "You can read this track but not change it":
        "Bạn được xem nhưng không được sửa phụ đề này",
    "Cue tools":
        "Công cụ câu",
    "Playhead":
        "Đầu phát",
    "Suggestions":
        "Gợi ý",
    "Zoom":
        "Thu phóng",
    "Zoom in":
        "Phóng to",
    "Zoom out":
        "Thu nhỏ",
    "Saving…":
        "Đang lưu…",
    "Unsaved — retrying":
        "Chưa lưu — đang thử lại",
    "Not saved — see the marked cue":
        "Chưa lưu — xem câu được đánh dấu",
    "Conflict — choose a version":
        "Xung đột — hãy chọn một bản",
    "Signed out: log in again in another tab; your edits are kept here":
        "Đã đăng xuất: hãy đăng nhập lại ở thẻ khác; chỉnh sửa của bạn vẫn được giữ ở đây",
    "Could not load the track: {error}":
        "Không tải được phụ đề: {error}",
    "Cue {n}":
        "Câu {n}",
    "Text of cue {n}":
        "Nội dung câu {n}",
    "chars per line":
        "ký tự mỗi dòng",
    "characters per second":
        "ký tự mỗi giây",
    "The speech engines were unsure of the marked words":
        "Công cụ nhận dạng chưa chắc các từ được đánh dấu",
    "Confirm":
        "Xác nhận",
    "Confirmed":
        "Đã xác nhận",
    "Add a comment on this cue":
        "Thêm nhận xét cho câu này",
    "Send comment":
        "Gửi nhận xét",
    "Resolve":
        "Đã xử lý",
    "resolved":
        "đã xử lý",
    "changed by {who}":
        "do {who} sửa",
    "Edits from an earlier visit were not saved: {n}":
        "Có {n} chỉnh sửa từ lần trước chưa được lưu",
    "Re-apply":
        "Áp dụng lại",
    "Discard":
        "Bỏ",
    "Split needs a cue and a point inside it":
        "Cần chọn câu và một điểm bên trong câu để tách",
    "The cue changed meanwhile; check it and try again":
        "Câu vừa bị thay đổi; hãy kiểm tra và thử lại",
    "Nothing to undo":
        "Không có gì để hoàn tác",
    "Nothing to redo":
        "Không có gì để làm lại",
    "Undone":
        "Đã hoàn tác",
    "Redone":
        "Đã làm lại",
    # Workspace safety (issue 13): every action is undone and redone on the server too.
    "Cue {n} has changed since this step; it was not undone":
        "Câu {n} đã thay đổi sau bước này; không hoàn tác được",
    "Cue {n} has changed since this step; it was not redone":
        "Câu {n} đã thay đổi sau bước này; không làm lại được",
    "No connection to the server; nothing was changed, try again":
        "Không kết nối được máy chủ; chưa có gì thay đổi, hãy thử lại",
    "Resolve the conflict on cue {n} first":
        "Hãy xử lý xung đột ở câu {n} trước",
    "No room after this cue for a new one":
        "Không còn chỗ sau câu này để thêm câu mới",
    "Cue inserted":
        "Đã thêm câu",
    "Cue deleted (Ctrl+Z brings it back)":
        "Đã xoá câu (Ctrl+Z để khôi phục)",
    "Insert":
        "Thêm câu",
    "Insert a cue after this one":
        "Thêm một câu sau câu này",
    "Delete this cue":
        "Xoá câu này",
    "every change: text, timing, split, merge, insert, delete":
        "mọi thay đổi: chữ, thời gian, tách, gộp, thêm, xoá",
    "Not a number: {value}":
        "Không phải là số: {value}",
    "No suggestions for this cue":
        "Không có gợi ý cho câu này",
    "No glossary terms in this cue":
        "Câu này không có thuật ngữ",
    "Use this translation":
        "Dùng bản dịch này",
    "Insert at the cursor":
        "Chèn tại con trỏ",
    "match":
        "khớp",
    "Cue split in two":
        "Đã tách câu làm hai",
    "Cues merged":
        "Đã gộp câu",
    "Waveform: click to seek; drag the edges of the current cue to change its timing":
        "Dạng sóng: bấm để tua; kéo mép câu hiện tại để đổi thời gian",
    "Cue to check: none left":
        "Không còn câu cần kiểm tra",
    "Cue {n} was removed by someone else (split or merge); your unsaved text was: {text}":
        "Câu {n} đã bị người khác xoá (tách hoặc gộp); nội dung chưa lưu của bạn: {text}",
    "Finish or resolve the unsaved cues first":
        "Hãy lưu hoặc xử lý các câu chưa lưu trước",
    "Not in the Vietnamese dictionary: {words}":
        "Không có trong từ điển tiếng Việt: {words}",
    "Replace “{word}” with “{suggestion}”":
        "Thay “{word}” bằng “{suggestion}”",
    # ---- errors from the services ------------------------------------------------------
    "Your role may not do this": "Vai trò của bạn không được làm việc này",
    "A report needs a title": "Tin bài cần có tiêu đề",
    "The title is longer than 300 characters": "Tiêu đề dài quá 300 ký tự",
    "Unknown report kind {kind}": "Thể loại tin bài không hợp lệ: {kind}",
    "Choose at least one target channel": "Hãy chọn ít nhất một kênh phát",
    "The planned duration must be positive": "Thời lượng dự kiến phải lớn hơn 0",
    "The report's editor must be an editor account":
        "Người biên tập phải là tài khoản biên tập viên",
    "No channel {code}": "Không có kênh {code}",
    "No report #{report_id}": "Không có tin bài #{report_id}",
    "No job #{job_id}": "Không có tác vụ #{job_id}",
    "No user {name}": "Không có người dùng {name}",
    "Not a language tag (BCP-47, e.g. vi, en, blt-Tavt): {tag}":
        "Mã ngôn ngữ không hợp lệ (BCP-47, ví dụ vi, en, blt-Tavt): {tag}",
    "{who} changed this report at {when} after you opened it; reload to see their "
    "changes, then apply yours again":
        "{who} đã sửa tin bài này lúc {when} sau khi bạn mở; hãy tải lại trang để xem "
        "thay đổi của họ rồi sửa lại",
    "A report cannot go from {source} to {target} (allowed: {allowed})":
        "Tin bài không thể chuyển từ {source} sang {target} (được phép: {allowed})",
    "Your role may not move a report to {target}":
        "Vai trò của bạn không được chuyển tin bài sang {target}",
    "Say why the report goes back to {target}": "Hãy ghi lý do trả tin bài về {target}",
    "Upload and ingest the master before sending the report to {target}":
        "Hãy tải lên và nhập bản gốc trước khi chuyển tin bài sang {target}",
    "The uploaded file is gone; upload it again": "Tệp tải lên không còn; hãy tải lên lại",
    "The file is empty (0 bytes); nothing to ingest": "Tệp rỗng (0 byte); không có gì để nhập",
    "The file is {size}, over the limit of {limit}": "Tệp nặng {size}, vượt giới hạn {limit}",
    "The request is over the limit of {limit} for this action; nothing was saved":
        "Yêu cầu vượt giới hạn {limit} của thao tác này; chưa lưu gì",
    "A cue's text may be at most {limit} characters (this track's rules: {lines} lines of "
    "{chars} characters); this one has {length}":
        "Nội dung một phụ đề tối đa {limit} ký tự (quy tắc của phụ đề này: {lines} dòng, "
        "mỗi dòng {chars} ký tự); phụ đề này có {length}",
    "A comment may be at most {limit} characters; this one has {length}":
        "Nhận xét tối đa {limit} ký tự; nhận xét này có {length}",
    "An as-run log over {limit} is not an as-run log":
        "Nhật ký phát sóng quá {limit} không phải là nhật ký phát sóng",
    "This is not a media file Station can read (ffprobe: {detail})":
        "Đây không phải tệp tư liệu Station đọc được (ffprobe: {detail})",
    "This file is a playlist ({format}), not a media file; upload the media itself":
        "Tệp này là danh sách phát ({format}), không phải tệp tư liệu; "
        "hãy tải lên chính tệp tư liệu",
    "This file describes a network stream ({format}), not a media file; "
    "upload the media itself":
        "Tệp này mô tả một luồng mạng ({format}), không phải tệp tư liệu; "
        "hãy tải lên chính tệp tư liệu",
    "Station does not take {format} files as masters; upload MP4, MOV, MXF, "
    "MKV, MPEG-TS, AVI, DV, WAV, AIFF, MP3, FLAC, AAC or Ogg":
        "Station không nhận tệp {format} làm bản gốc; hãy tải lên MP4, MOV, MXF, "
        "MKV, MPEG-TS, AVI, DV, WAV, AIFF, MP3, FLAC, AAC hoặc Ogg",
    "This file has sound but no picture; a TV report needs a video master":
        "Tệp này chỉ có tiếng, không có hình; phóng sự truyền hình cần bản gốc có hình",
    "This file has no audio stream; Station needs the programme sound "
    "(loudness, subtitles)":
        "Tệp này không có tiếng; Station cần âm thanh chương trình (đo độ lớn, phụ đề)",
    "ffprobe could not tell the file's duration; it may be truncated":
        "ffprobe không xác định được thời lượng; tệp có thể bị cắt cụt",
    "ffmpeg ran past the job's time limit": "ffmpeg chạy quá thời hạn của tác vụ",
    "ffmpeg could not process the file: {detail}": "ffmpeg không xử lý được tệp: {detail}",
    "Job #{job_id} is already doing this; wait for it or cancel it":
        "Tác vụ #{job_id} đang làm việc này; hãy chờ hoặc huỷ nó",
    "Job #{job_id} is {status}; only failed or cancelled jobs can be retried":
        "Tác vụ #{job_id} đang ở trạng thái {status}; chỉ chạy lại được tác vụ lỗi hoặc đã huỷ",
    "Job #{job_id} failed on its input; retrying cannot help. {error}":
        "Tác vụ #{job_id} lỗi do tệp đầu vào; chạy lại không giúp được. {error}",
    "Job #{job_id} has already finished ({status})": "Tác vụ #{job_id} đã kết thúc ({status})",
    "Cancelled by a user": "Đã bị người dùng huỷ",
    "The worker running this job stopped; it was queued again":
        "Tiến trình chạy tác vụ này đã dừng; tác vụ đã được xếp hàng lại",
    "Cancelled before it started": "Đã huỷ trước khi chạy",
    "The worker running this job stopped (killed or crashed); retry it":
        "Tiến trình chạy tác vụ này đã dừng (bị tắt hoặc bị lỗi); hãy chạy lại tác vụ",
    "The job ran past its time limit": "Tác vụ chạy quá thời hạn",
    "No handler for jobs of kind {kind}": "Không có bộ xử lý cho tác vụ loại {kind}",
    "User names are 2-40 lowercase letters, digits, '.', '_' or '-': {name}":
        "Tên đăng nhập gồm 2-40 chữ thường, chữ số, '.', '_' hoặc '-': {name}",
    "A password needs at least {n} characters": "Mật khẩu cần ít nhất {n} ký tự",
    "A password may have at most {n} characters": "Mật khẩu chỉ được có tối đa {n} ký tự",
    "A password may not be the user name": "Mật khẩu không được trùng với tên đăng nhập",
    "A password may not be the station's name": "Mật khẩu không được là tên của Đài",
    "This password is one of the most common ones; choose another "
    "(a few unrelated words make a good one)":
        "Mật khẩu này nằm trong danh sách mật khẩu phổ biến; hãy chọn mật khẩu khác "
        "(vài từ không liên quan ghép lại là một mật khẩu tốt)",
    "The current password is wrong": "Mật khẩu hiện tại không đúng",
    "The two new passwords differ": "Hai lần nhập mật khẩu mới không khớp nhau",
    "Password changed; {n} other sessions were signed out":
        "Đã đổi mật khẩu; {n} phiên đăng nhập khác đã bị đăng xuất",
    "Too many failed sign-ins; try again in {minutes} min":
        "Đăng nhập sai quá nhiều lần; hãy thử lại sau {minutes} phút",
    "Your session has ended; sign in again": "Phiên làm việc đã kết thúc; hãy đăng nhập lại",
    "Account": "Tài khoản",
    "Change password": "Đổi mật khẩu",
    "Current password": "Mật khẩu hiện tại",
    "New password": "Mật khẩu mới",
    "Repeat the new password": "Nhập lại mật khẩu mới",
    "At least 8 characters; a few unrelated words make a good password. Common passwords "
    "are refused.":
        "Ít nhất 8 ký tự; vài từ không liên quan ghép lại là một mật khẩu tốt. "
        "Mật khẩu phổ biến sẽ bị từ chối.",
    "Where you are signed in": "Nơi bạn đang đăng nhập",
    "Signed in": "Đăng nhập lúc",
    "Last seen": "Hoạt động gần nhất",
    "Address": "Địa chỉ",
    "Browser": "Trình duyệt",
    "this browser": "trình duyệt này",
    "Log out everywhere": "Đăng xuất khỏi mọi nơi",
    "Security log": "Nhật ký bảo mật",
    "All kinds": "Mọi loại",
    "Show": "Xem",
    "{n} events; times in {zone}": "{n} sự kiện; giờ theo {zone}",
    "User": "Người dùng",
    "Detail": "Chi tiết",
    "No events yet": "Chưa có sự kiện nào",
    "Newer": "Mới hơn",
    "Older": "Cũ hơn",
    "Page {page} of {pages}": "Trang {page}/{pages}",
    "User name {name} is taken": "Tên đăng nhập {name} đã có người dùng",
    "Unknown role {role}; use one of {roles}": "Vai trò không hợp lệ: {role}; dùng {roles}",
    "A partner account needs its partner channel": "Tài khoản đối tác cần gắn với kênh đối tác",
    "The due date is not a date (YYYY-MM-DD): {value}":
        "Hạn nộp không phải ngày hợp lệ (YYYY-MM-DD): {value}",
    "The planned duration is not a whole number of seconds: {value}":
        "Thời lượng dự kiến không phải số giây: {value}",
    "No file was sent": "Không có tệp nào được gửi",
    "The upload was interrupted; nothing was stored": "Tải lên bị ngắt; chưa lưu gì",
    "This report was changed by someone else; reload the page":
        "Tin bài đã bị người khác thay đổi; hãy tải lại trang",
}


# Codes shown to people (statuses, kinds, roles, job steps) need English labels too.
EN: dict[str, str] = {
    "planned": "Planned", "in_production": "In production", "editing": "Editing",
    "review": "In review", "approved": "Approved", "scheduled": "Scheduled",
    "aired": "Aired", "archived": "Archived",
    "tv_report": "TV report", "radio_programme": "Radio programme", "news": "News",
    "admin": "Administrator", "editor": "Editor", "translator": "Translator",
    "partner": "Partner",
    "queued": "Queued", "running": "Running", "succeeded": "Done", "failed": "Failed",
    "cancelled": "Cancelled",
    "master": "Master", "proxy": "Web proxy", "audio": "Audio (16 kHz)", "poster": "Poster",
    "waveform": "Waveform", "peaks": "Waveform data",
    "created": "Created", "edited": "Edited", "status": "Status change",
    "media": "Media ingested", "pass": "Pass", "fail": "Fail",
    "ingest": "Ingest", "check": "Check", "sha256": "Checksum", "probe": "Probe",
    "transcode": "Transcode", "store": "Store", "reuse": "Reuse", "shots": "Shot changes",
    "tv": "TV", "radio": "Radio", "station": "Station",
    "original": "Original", "translation": "Translation", "machine": "Machine",
    "human": "Human", "draft": "Draft", "in_review": "In review",
    "transcribe": "Transcription", "load model": "Loading model", "segment": "Cutting cues",
    "save": "Saving", "no_speech": "No speech", "repetition": "Repetition",
    "low_logprob": "Low confidence", "artefact": "Whisper artefact",
    "low_confidence": "Unsure words", "none": "None",
}


def register_vi(catalog: dict[str, str]) -> None:
    """Add a domain module's Vietnamese messages (kept beside the checks that raise them)."""
    for source, vietnamese in catalog.items():
        VI.setdefault(source, vietnamese)


def translate(text: str, lang: str) -> str:
    """The text in ``lang``: Vietnamese from the catalog, English labels for codes."""
    if lang == "vi":
        return VI.get(text, text)
    return EN.get(text, text)
