// The desktop notification and the short sound for new work while the tab is hidden. The
// browser asks the agent's permission only when they click "Enable notifications"; the sound
// is two soft sine tones made with Web Audio, so there is no file to ship or fetch.

export type NotificationState = "unsupported" | "default" | "granted" | "denied";

export function notificationState(): NotificationState {
  if (typeof Notification === "undefined") return "unsupported";
  return Notification.permission;
}

export async function askForNotifications(): Promise<NotificationState> {
  if (typeof Notification === "undefined") return "unsupported";
  try {
    return await Notification.requestPermission();
  } catch {
    return notificationState();
  }
}

/** One notification per workspace ("tag"), replaced by the next, that brings the tab back. */
export function notify(title: string, body: string): void {
  if (notificationState() !== "granted") return;
  try {
    const shown = new Notification(title, { body, tag: "wcc-new-work" });
    shown.onclick = () => {
      window.focus();
      shown.close();
    };
  } catch {
    // Some browsers only notify from a service worker: the title badge and sound still tell.
  }
}

let audio: AudioContext | null = null;

export function chime(): void {
  const Context = window.AudioContext;
  if (!Context) return;
  try {
    audio ??= new Context();
    const start = audio.currentTime;
    for (const [offset, frequency] of [
      [0, 880],
      [0.16, 1320],
    ] as const) {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.type = "sine";
      tone.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.15, start + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.25);
      tone.connect(gain).connect(audio.destination);
      tone.start(start + offset);
      tone.stop(start + offset + 0.3);
    }
  } catch {
    // A browser that refuses audio without a gesture: the other signals remain.
  }
}
